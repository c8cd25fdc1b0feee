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
    /// underflow and the overflow).
    @usableFromInline var slotCounts: [Int]
    @usableFromInline var tail: TailSelector

    public init(histogramLayout: LossHistogram.Layout, tailCapacity: Int, floor: Double) {
        count = 0
        nonFiniteCount = 0
        sum = ExactSum()
        sumOfSquares = ExactSum()
        self.histogramLayout = histogramLayout
        slotCounts = Array(repeating: 0, count: histogramLayout.binCount + 2)
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
        let copies = Self.countCopies * (histogramLayout.binCount + 2)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 512) { blocks in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { slots in
                withUnsafeTemporaryAllocation(of: UInt16.self, capacity: copies) { blockCounts in
                    var start = 0
                    while start < n {
                        let size = Swift.min(256, n - start)
                        addBlock(negatedProfits: profits + start, count: size, firstScenario: firstScenario + UInt64(start),
                                 losses: blocks.baseAddress!, squares: blocks.baseAddress! + 256, slots: slots.baseAddress!,
                                 blockCounts: blockCounts.baseAddress!)
                        start += size
                    }
                }
            }
        }
    }

    /// A block's histogram slots are counted in this many copies (loss i in copy i mod 4),
    /// on the stack, then added to the account's counts once: neighbours in one bin are
    /// independent increments rather than each waiting for the other's store, and the
    /// account's counts (one of 20,000 on a large book, rarely in cache) are read and
    /// written once per block instead of once per loss. A copy counts at most 64 losses,
    /// so 16 bits hold it.
    @usableFromInline static let countCopies = 4

    /// One block of at most 256 losses in one vectorised pass: each loss and its square
    /// are written out for the exact sums with their largest exponents (which also tell
    /// whether all are finite), and its histogram slot; then the sums take the blocks,
    /// the slots are counted, and only losses at or above the tail's admission bar are
    /// offered. A block holding a NaN or an infinity goes one by one.
    @inlinable
    mutating func addBlock(negatedProfits profits: UnsafePointer<Double>, count n: Int, firstScenario: UInt64,
                           losses: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>,
                           slots: UnsafeMutablePointer<Int>, blockCounts: UnsafeMutablePointer<UInt16>) {
        let (highestLoss, highestSquare) = LossBlock.prepare(
            negatedProfits: profits, count: n, layout: histogramLayout, losses: losses, squares: squares, slots: slots)
        guard highestLoss < 0x7FF else {
            for index in 0..<n { add(loss: -profits[index], scenario: firstScenario + UInt64(index)) }
            return
        }
        count &+= n
        sum.add(block: losses, count: n, highestBiasedExponent: highestLoss)
        sumOfSquares.add(block: squares, count: n, highestBiasedExponent: highestSquare)
        let slotCount = histogramLayout.binCount + 2
        blockCounts.update(repeating: 0, count: Self.countCopies * slotCount)
        var index = 0
        while index + 4 <= n {
            blockCounts[slots[index]] &+= 1
            blockCounts[slotCount + slots[index + 1]] &+= 1
            blockCounts[2 * slotCount + slots[index + 2]] &+= 1
            blockCounts[3 * slotCount + slots[index + 3]] &+= 1
            index += 4
        }
        while index < n {
            blockCounts[slots[index]] &+= 1
            index += 1
        }
        slotCounts.withUnsafeMutableBufferPointer { counts in
            for slot in 0..<slotCount {
                counts[slot] &+= Int(blockCounts[slot]) &+ Int(blockCounts[slotCount + slot])
                    &+ Int(blockCounts[2 * slotCount + slot]) &+ Int(blockCounts[3 * slotCount + slot])
            }
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
        slotCounts.withUnsafeBufferPointer { histogram.add(slotCounts: $0) }
        return AccountLossSummary(count: count, sum: sum, sumOfSquares: sumOfSquares, histogram: histogram,
                                  tail: tail.takeRankedTail(), nonFiniteCount: nonFiniteCount)
    }
}
