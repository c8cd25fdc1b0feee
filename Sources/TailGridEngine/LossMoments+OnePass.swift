import TailGridNumerics

extension LossMoments {
    /// Adds the `LossBlock.size` losses -profits[0..<size] in one pass over the profits,
    /// at the row's splits (`lossSplit`, `squareSplit`): each loss and its square are
    /// split for the exact sums as they are computed, and the groups of 4 holding a loss
    /// at or above `bar` are marked, where the long way (`add(negatedProfits:count:scratch:)`)
    /// stores the losses and squares, sums each in a pass of its own, and the bar is a
    /// fourth pass. Then the histogram slots, in a pass of their own.
    ///
    /// Returns the groups reaching the bar (bit g: losses 4g..<4g + 4), having added the
    /// block; nil, having added nothing, when the block does not fit the splits: a row
    /// without splits yet, a loss or square at or above a split's bound (a new largest
    /// block, or NaN or an infinity, whose magnitude bits exceed every finite one), or bits
    /// left below a second unit that is not final (a loss 35 binades under the row's
    /// largest). The caller then takes the long way, which also raises the splits. Either
    /// way the same integers, counts and groups.
    @inlinable
    public mutating func add(negatedProfits profits: UnsafePointer<Double>, scratch: LossBlock.Scratch,
                             reachingBar bar: Double) -> UInt64? {
        guard let lossSplit, let squareSplit else { return nil }
        let limit = SIMD4<Double>(repeating: -bar)
        let magnitude = SIMD4<Int64>(repeating: 0x7FFF_FFFF_FFFF_FFFF)
        // A loss's parts are its profit's negated (rounding to nearest, ties to even, is
        // symmetric), so the profits are split and their totals added negated: no negation
        // per loss.
        var profitTotals = ExactSum.SplitTotals(lossSplit)
        var squareTotals = ExactSum.SplitTotals(squareSplit)
        var largest = SIMD4<Int64>.zero
        var groups: UInt64 = 0
        let raw = UnsafeRawPointer(profits)
        for group in 0..<(LossBlock.size / 4) {
            let profit = raw.loadUnaligned(fromByteOffset: group &* 32, as: SIMD4<Double>.self)
            profitTotals.take(profit)
            squareTotals.take(profit * profit)
            // Magnitude bits (sign cleared, so signed comparison is enough) order as the
            // magnitudes do, NaN above infinity.
            let bits = unsafeBitCast(profit, to: SIMD4<Int64>.self) & magnitude
            largest = largest.replacing(with: bits, where: bits .> largest)
            groups |= (any(profit .<= limit) ? 1 : 0) << UInt64(group)
        }
        // The largest square is the rounded square of the largest loss (rounding is monotonic).
        let largestLoss = Double(bitPattern: UInt64(bitPattern: largest.max()))
        guard largestLoss < lossSplit.bound, largestLoss * largestLoss < squareSplit.bound,
              profitTotals.leftNothing, squareTotals.leftNothing else { return nil }
        count &+= LossBlock.size
        sum.add(profitTotals, negated: true)
        sumOfSquares.add(squareTotals)
        let layout = histogramLayout
        let slots = scratch.slots
        for index in 0..<LossBlock.size { slots[index] = layout.slot(of: -profits[index]) }
        countSlots(LossBlock.size, scratch: scratch)
        return groups
    }
}
