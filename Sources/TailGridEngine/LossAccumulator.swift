import TailGridNumerics

/// One account's running summary inside a chunk: its moments and its own tail, the
/// mutable twin of `AccountLossSummary`. (A local run's threads share their tails
/// instead: `SharedTails`.)
public struct LossAccumulator: Sendable {
    @usableFromInline var moments: LossMoments
    @usableFromInline var tail: TailSelector

    public init(histogramLayout: LossHistogram.Layout, tailCapacity: Int, floor: Double) {
        moments = LossMoments(histogramLayout: histogramLayout)
        tail = TailSelector(capacity: tailCapacity, floor: floor)
    }

    @inlinable
    public mutating func add(loss: Double, scenario: UInt64) {
        if moments.add(loss: loss) { tail.offer(loss: loss, scenario: scenario) }
    }

    /// Adds the losses -profits[0..<count] of scenarios firstScenario, firstScenario + 1, ...:
    /// the same result as `add(loss:scenario:)` one by one, in blocks of `LossBlock.size`.
    @inlinable
    public mutating func add(negatedProfits profits: UnsafePointer<Double>, count n: Int, firstScenario: UInt64) {
        LossBlock.withScratch(binCount: moments.histogramLayout.binCount) { scratch in
            add(negatedProfits: profits, count: n, firstScenario: firstScenario, scratch: scratch)
        }
    }

    /// `add(negatedProfits:count:firstScenario:)` through the caller's scratch space.
    @inlinable
    public mutating func add(negatedProfits profits: UnsafePointer<Double>, count n: Int, firstScenario: UInt64,
                             scratch: LossBlock.Scratch) {
        moments.add(negatedProfits: profits, count: n, firstScenario: firstScenario, scratch: scratch, offeringTo: &tail)
    }

    /// The summary of what was added; the tail's buffer is handed over and freed, so a
    /// chunk never holds both its accounts' buffers and their summaries.
    public mutating func takeSummary() -> AccountLossSummary {
        moments.summary(tail: tail.takeRankedTail())
    }
}
