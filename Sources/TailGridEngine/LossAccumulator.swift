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

    public func summary() -> AccountLossSummary {
        AccountLossSummary(count: count, sum: sum, sumOfSquares: sumOfSquares, histogram: histogram,
                           tail: tail.rankedTail(), nonFiniteCount: nonFiniteCount)
    }
}
