import TailGridNumerics

/// One loss row's count, exact sums of losses and squared losses, and histogram counts:
/// everything of `AccountLossSummary` but the tail. Every part is exact (integers and
/// `ExactSum`), so the moments of any split of the scenarios, merged in any order, are the
/// same bits.
public struct LossMoments: Sendable {
    @usableFromInline var count: Int
    @usableFromInline var nonFiniteCount: Int
    @usableFromInline var sum: ExactSum
    @usableFromInline var sumOfSquares: ExactSum
    @usableFromInline let histogramLayout: LossHistogram.Layout
    /// The histogram's counts by `LossHistogram.Layout.slot(of:)` (the bins, then the
    /// underflow and the overflow).
    @usableFromInline var slotCounts: [Int]
    /// The splits of the largest losses and squares added a block at a time so far, which
    /// the next blocks split at in one pass (`add(negatedProfits:scratch:reachingBar:)`);
    /// nil until a block has been summed the long way.
    @usableFromInline var lossSplit: ExactSum.TwoPassSplit?
    @usableFromInline var squareSplit: ExactSum.TwoPassSplit?

    public init(histogramLayout: LossHistogram.Layout) {
        count = 0
        nonFiniteCount = 0
        sum = ExactSum()
        sumOfSquares = ExactSum()
        self.histogramLayout = histogramLayout
        slotCounts = Array(repeating: 0, count: histogramLayout.binCount + 2)
        lossSplit = nil
        squareSplit = nil
    }

    /// Adds one loss; false (and counted apart) when it is NaN or infinite, which no tail
    /// may hold.
    @inlinable
    public mutating func add(loss: Double) -> Bool {
        guard loss.isFinite else {
            nonFiniteCount += 1
            return false
        }
        count += 1
        sum.add(loss)
        sumOfSquares.add(loss * loss)
        slotCounts[histogramLayout.slot(of: loss)] += 1
        return true
    }

    /// Adds the losses -profits[0..<n] (n at most `LossBlock.size`) in one vectorised pass
    /// (`LossBlock.prepare`): the exact sums take the block, and its histogram slots are
    /// counted in `LossBlock.countCopies` copies on the stack (loss i in copy i mod 4), then
    /// added to the row's counts once. Neighbours in one bin are then independent
    /// increments rather than each waiting for the other's store, and the row's counts
    /// (one of 20,000 on a large book, rarely in cache) are read and written once per block
    /// instead of once per loss. Raises the row's splits to the block's. False, having added
    /// nothing, when a loss is NaN or infinite: the caller then adds the block one loss at a
    /// time.
    @inlinable
    public mutating func add(negatedProfits profits: UnsafePointer<Double>, count n: Int, scratch: LossBlock.Scratch) -> Bool {
        let (highestLoss, highestSquare) = LossBlock.prepare(
            negatedProfits: profits, count: n, layout: histogramLayout, losses: scratch.losses, squares: scratch.squares,
            slots: scratch.slots)
        guard highestLoss < 0x7FF else { return false }
        count &+= n
        sum.add(block: scratch.losses, count: n, highestBiasedExponent: highestLoss)
        sumOfSquares.add(block: scratch.squares, count: n, highestBiasedExponent: highestSquare)
        raiseSplits(highestLoss: highestLoss, highestSquare: highestSquare)
        countSlots(n, scratch: scratch)
        return true
    }

    /// Adds the block's slots (`scratch.slots[0..<n]`) to the histogram counts: counted in
    /// `LossBlock.countCopies` copies on the stack (slot i in copy i mod 4), then added to
    /// the row's counts once.
    @inlinable
    mutating func countSlots(_ n: Int, scratch: LossBlock.Scratch) {
        let slots = scratch.slots
        let blockCounts = scratch.blockCounts
        let slotCount = histogramLayout.binCount + 2
        blockCounts.update(repeating: 0, count: LossBlock.countCopies * slotCount)
        var index = 0
        while index &+ 4 <= n {
            blockCounts[slots[index]] &+= 1
            blockCounts[slotCount &+ slots[index &+ 1]] &+= 1
            blockCounts[2 &* slotCount &+ slots[index &+ 2]] &+= 1
            blockCounts[3 &* slotCount &+ slots[index &+ 3]] &+= 1
            index &+= 4
        }
        while index < n {
            blockCounts[slots[index]] &+= 1
            index += 1
        }
        // Each copy through its own base, with wrapping index arithmetic: no overflow
        // checks, so the fold is vector loads and adds rather than a scalar loop.
        let copy1 = blockCounts + slotCount
        let copy2 = copy1 + slotCount
        let copy3 = copy2 + slotCount
        slotCounts.withUnsafeMutableBufferPointer { counts in
            let base = counts.baseAddress!
            for slot in 0..<slotCount {
                base[slot] &+= Int(blockCounts[slot]) &+ Int(copy1[slot]) &+ Int(copy2[slot]) &+ Int(copy3[slot])
            }
        }
    }

    /// Keeps the splits at those of the largest block seen: a unit above a block's own
    /// still sums it exactly, so one split serves every block of a row but the few that
    /// set a new largest loss.
    @inlinable
    mutating func raiseSplits(highestLoss: Int, highestSquare: Int) {
        func raised(_ split: ExactSum.TwoPassSplit?, to highest: Int) -> ExactSum.TwoPassSplit? {
            guard let block = ExactSum.TwoPassSplit(highestBiasedExponent: highest),
                  block.unitExponent > split?.unitExponent ?? .min else { return split }
            return block
        }
        lossSplit = raised(lossSplit, to: highestLoss)
        squareSplit = raised(squareSplit, to: highestSquare)
    }

    /// Adds the losses -profits[0..<n] of scenarios firstScenario, firstScenario + 1, ...
    /// in blocks of `LossBlock.size`, and offers `tail` each one reaching its admission
    /// loss (read once per block). A whole block goes in one pass where it fits the row's
    /// splits (`add(negatedProfits:scratch:reachingBar:)`), else the long way
    /// (`add(negatedProfits:count:scratch:)`, its candidates found 8 at a time); a block
    /// holding a NaN or an infinity goes one loss at a time, and only its finite losses
    /// are offered. The same result as `add(loss:)` and an offer of each finite loss, one
    /// by one.
    @inlinable
    public mutating func add<Tail: TailCandidates>(negatedProfits profits: UnsafePointer<Double>, count n: Int,
                                                   firstScenario: UInt64, scratch: LossBlock.Scratch,
                                                   offeringTo tail: inout Tail) {
        var start = 0
        while start < n {
            let size = Swift.min(LossBlock.size, n - start)
            let block = profits + start
            let first = firstScenario + UInt64(start)
            let bar = tail.admissionLoss
            if size == LossBlock.size, var groups = add(negatedProfits: block, scratch: scratch, reachingBar: bar) {
                // Groups of 4 holding a loss at or above the bar; -p >= bar exactly when
                // p <= -bar.
                while groups != 0 {
                    let group = groups.trailingZeroBitCount &* 4
                    groups &= groups &- 1
                    for index in group..<group &+ 4 where block[index] <= -bar {
                        tail.offer(loss: -block[index], scenario: first + UInt64(index))
                    }
                }
            } else if add(negatedProfits: block, count: size, scratch: scratch) {
                LossBlock.forEachLoss(reaching: bar, negatedProfits: block, count: size) { index in
                    tail.offer(loss: -block[index], scenario: first + UInt64(index))
                }
            } else {
                for index in 0..<size where add(loss: -block[index]) {
                    tail.offer(loss: -block[index], scenario: first + UInt64(index))
                }
            }
            start += size
        }
    }

    /// Asks the cache for the histogram counts (`countSlots` adds a block's to them: one
    /// of 20,000 rows' counts on a large book, rarely in cache).
    @inline(__always)
    func prefetchSlotCounts() {
        slotCounts.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                CacheHint.prefetch(line: base + offset)
                offset &+= 64
            }
        }
    }

    /// Adds `other`'s moments (same layout: both come from one plan).
    public mutating func merge(_ other: LossMoments) {
        count += other.count
        nonFiniteCount += other.nonFiniteCount
        sum.add(other.sum)
        sumOfSquares.add(other.sumOfSquares)
        guard other.slotCounts.count == slotCounts.count else { return }
        for slot in slotCounts.indices { slotCounts[slot] += other.slotCounts[slot] }
    }

    /// The summary of these moments with `tail` (ranked, largest first).
    public func summary(tail: [TailLoss]) -> AccountLossSummary {
        var histogram = LossHistogram(layout: histogramLayout)
        slotCounts.withUnsafeBufferPointer { histogram.add(slotCounts: $0) }
        return AccountLossSummary(count: count, sum: sum, sumOfSquares: sumOfSquares, histogram: histogram,
                                  tail: tail, nonFiniteCount: nonFiniteCount)
    }
}
