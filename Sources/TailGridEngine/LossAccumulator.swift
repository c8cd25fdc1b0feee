import TailGridNumerics

/// One account's running summary inside a chunk: the mutable twin of
/// `AccountLossSummary`, kept in one struct so the hot loop touches one place per loss.
public struct LossAccumulator: Sendable {
    @usableFromInline var count: Int
    @usableFromInline var nonFiniteCount: Int
    @usableFromInline var sum: ExactSum
    @usableFromInline var sumOfSquares: ExactSum
    @usableFromInline var histogram: LossHistogram
    @usableFromInline var tail: TailSelector

    public init(histogramLayout: LossHistogram.Layout, tailCapacity: Int, floor: Double) {
        count = 0
        nonFiniteCount = 0
        sum = ExactSum()
        sumOfSquares = ExactSum()
        histogram = LossHistogram(layout: histogramLayout)
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
        histogram.add(loss)
        tail.offer(loss: loss, scenario: scenario)
    }

    /// Adds the losses -profits[0..<count] of scenarios firstScenario, firstScenario + 1, ...:
    /// the same result as `add(loss:scenario:)` one by one, in passes the compiler keeps
    /// tight: the finiteness of the run checked once, the histogram's counts written
    /// through one pointer, and only losses at or above the tail's admission bar offered.
    @inlinable
    public mutating func add(negatedProfits profits: UnsafePointer<Double>, count n: Int, firstScenario: UInt64) {
        var finite = true
        for index in 0..<n { finite = finite && profits[index].isFinite }
        guard finite else {
            for index in 0..<n { add(loss: -profits[index], scenario: firstScenario + UInt64(index)) }
            return
        }
        count += n
        sum.add(contentsOf: profits, count: n, negated: true)
        sumOfSquares.add(contentsOf: profits, count: n, squared: true)
        histogram.add(negatedProfits: profits, count: n)
        var bar = tail.admissionLoss
        for index in 0..<n where -profits[index] >= bar {
            tail.offer(loss: -profits[index], scenario: firstScenario + UInt64(index))
            bar = tail.admissionLoss
        }
    }

    /// The summary of what was added; the tail's buffer is handed over and freed, so a
    /// chunk never holds both its accounts' buffers and their summaries.
    public mutating func takeSummary() -> AccountLossSummary {
        AccountLossSummary(count: count, sum: sum, sumOfSquares: sumOfSquares, histogram: histogram,
                           tail: tail.takeRankedTail(), nonFiniteCount: nonFiniteCount)
    }
}
