import TailGridNumerics

/// Computes chunk summaries of one plan. Not thread-safe: each thread owns one, with its
/// own tile workspace.
public final class ChunkComputer {
    public let plan: EnginePlan
    let rows: TileRows

    public init(plan: EnginePlan) {
        self.plan = plan
        self.rows = TileRows(plan: plan)
    }

    /// The summary of the scenarios in `range`, one per loss row (each account, and each
    /// account under each dependence stress: `EnginePlan.lossRowCount`). `floors`, one per
    /// row, is the loss
    /// below which a tail entry cannot matter any more (the coordinator's running
    /// threshold); counts, sums and histograms still cover every scenario.
    public func summarize(_ range: Range<UInt64>, floors: [Double]? = nil) -> ChunkSummary {
        let accounts = rows.count
        precondition(floors == nil || floors!.count == accounts)
        let width = UInt64(ScenarioTile.size)
        let capacity = Swift.max(1, Swift.min(plan.tailCapacity, range.count))
        var accumulators = (0..<accounts).map {
            LossAccumulator(histogramLayout: plan.histogramLayouts[$0], tailCapacity: capacity,
                            floor: floors?[$0] ?? -.infinity)
        }
        var tileStart = range.isEmpty ? range.upperBound : ScenarioTile.start(of: range.lowerBound)
        while tileStart < range.upperBound {
            rows.evaluate(tileStart: tileStart)
            let first = Swift.max(tileStart, range.lowerBound)
            let end = Swift.min(tileStart + width, range.upperBound)
            accumulators.withUnsafeMutableBufferPointer { accumulators in
                for account in 0..<accounts {
                    let row = rows.profits(account) + Int(first - tileStart)
                    accumulators[account].add(negatedProfits: row, count: Int(end - first), firstScenario: first)
                }
            }
            tileStart += width
        }
        let summaries = (0..<accounts).map { accumulators[$0].takeSummary() }
        return ChunkSummary(scenarios: range, accounts: summaries)
    }
}
