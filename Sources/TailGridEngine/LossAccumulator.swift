import TailGridNumerics

/// One account's running summary inside a chunk: the mutable twin of
/// `AccountLossSummary`, kept in one struct so the hot loop touches one place per loss.
public struct LossAccumulator: Sendable {
    @usableFromInline var count: Int
    @usableFromInline var nonFiniteCount: Int
    @usableFromInline var sum: ExactSum
    @usableFromInline var sumOfSquares: ExactSum
    @usableFromInline let histogramLayout: LossHistogram.Layout
    /// The histogram's counts by `LossHistogram.Layout.slot(of:)` (the bins, then the
    /// underflow and the overflow), twice: losses at even positions of a block count in
    /// the first half, odd ones in the second, so two neighbours in one bin are two
    /// independent increments rather than one waiting for the other's store.
    @usableFromInline var slotCounts: [Int]
    @usableFromInline var tail: TailSelector

    public init(histogramLayout: LossHistogram.Layout, tailCapacity: Int, floor: Double) {
        count = 0
        nonFiniteCount = 0
        sum = ExactSum()
        sumOfSquares = ExactSum()
        self.histogramLayout = histogramLayout
        slotCounts = Array(repeating: 0, count: 2 * (histogramLayout.binCount + 2))
        tail = TailSelector(capacity: tailCapacity, floor: floor)
    }

    @inlinable
    public mutating func add(loss: Double, scenario: UInt64) {
        guard loss.isFinite else {
            nonFiniteCount += 1
            return
        }
        count += 1
        sum.add(loss)
        sumOfSquares.add(loss * loss)
        slotCounts[histogramLayout.slot(of: loss)] += 1
        tail.offer(loss: loss, scenario: scenario)
    }

    /// Adds the losses -profits[0..<count] of scenarios firstScenario, firstScenario + 1, ...:
    /// the same result as `add(loss:scenario:)` one by one, in blocks of 256.
    @inlinable
    public mutating func add(negatedProfits profits: UnsafePointer<Double>, count n: Int, firstScenario: UInt64) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 512) { blocks in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { slots in
                var start = 0
                while start < n {
                    let size = Swift.min(256, n - start)
                    addBlock(negatedProfits: profits + start, count: size, firstScenario: firstScenario + UInt64(start),
                             losses: blocks.baseAddress!, squares: blocks.baseAddress! + 256, slots: slots.baseAddress!)
                    start += size
                }
            }
        }
    }

    /// One block of at most 256 losses in one vectorised pass: each loss and its square
    /// are written out for the exact sums with their largest exponents (which also tell
    /// whether all are finite), and its histogram slot; then the sums take the blocks,
    /// the slots are counted, and only losses at or above the tail's admission bar are
    /// offered. A block holding a NaN or an infinity goes one by one.
    @inlinable
    mutating func addBlock(negatedProfits profits: UnsafePointer<Double>, count n: Int, firstScenario: UInt64,
                           losses: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>,
                           slots: UnsafeMutablePointer<Int>) {
        let (highestLoss, highestSquare) = LossBlock.prepare(
            negatedProfits: profits, count: n, layout: histogramLayout, losses: losses, squares: squares, slots: slots)
        guard highestLoss < 0x7FF else {
            for index in 0..<n { add(loss: -profits[index], scenario: firstScenario + UInt64(index)) }
            return
        }
        count &+= n
        sum.add(block: losses, count: n, highestBiasedExponent: highestLoss)
        sumOfSquares.add(block: squares, count: n, highestBiasedExponent: highestSquare)
        let half = histogramLayout.binCount + 2
        slotCounts.withUnsafeMutableBufferPointer { counts in
            let even = counts.baseAddress!
            let odd = even + half
            var index = 0
            while index + 2 <= n {
                even[slots[index]] &+= 1
                odd[slots[index + 1]] &+= 1
                index += 2
            }
            if index < n { even[slots[index]] &+= 1 }
        }
        var bar = tail.admissionLoss
        for index in 0..<n where -profits[index] >= bar {
            tail.offer(loss: -profits[index], scenario: firstScenario + UInt64(index))
            bar = tail.admissionLoss
        }
    }

    /// The summary of what was added; the tail's buffer is handed over and freed, so a
    /// chunk never holds both its accounts' buffers and their summaries.
    public mutating func takeSummary() -> AccountLossSummary {
        var histogram = LossHistogram(layout: histogramLayout)
        let half = histogramLayout.binCount + 2
        slotCounts.withUnsafeBufferPointer { counts in
            histogram.add(slotCounts: UnsafeBufferPointer(rebasing: counts[0..<half]))
            histogram.add(slotCounts: UnsafeBufferPointer(rebasing: counts[half...]))
        }
        return AccountLossSummary(count: count, sum: sum, sumOfSquares: sumOfSquares, histogram: histogram,
                                  tail: tail.takeRankedTail(), nonFiniteCount: nonFiniteCount)
    }
}
