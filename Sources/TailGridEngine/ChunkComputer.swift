import TailGridNumerics

/// Computes chunk summaries of one plan. Not thread-safe: each thread owns one, with its
/// own tile workspace.
public final class ChunkComputer {
    public let plan: EnginePlan
    let workspace: TileWorkspace

    public init(plan: EnginePlan) {
        self.plan = plan
        self.workspace = plan.evaluator.makeWorkspace()
    }

    /// The summary of the scenarios in `range`. `floors`, one per account, is the loss
    /// below which a tail entry cannot matter any more (the coordinator's running
    /// threshold); counts, sums and histograms still cover every scenario.
    public func summarize(_ range: Range<UInt64>, floors: [Double]? = nil) -> ChunkSummary {
        let accounts = plan.job.accounts.count
        precondition(floors == nil || floors!.count == accounts)
        let width = UInt64(ScenarioTile.size)
        let capacity = Swift.max(1, Swift.min(plan.tailCapacity, range.count))
        var accumulators = (0..<accounts).map {
            LossAccumulator(histogramLayout: plan.histogramLayouts[$0], tailCapacity: capacity,
                            floor: floors?[$0] ?? -.infinity)
        }
        var tileStart = range.isEmpty ? range.upperBound : ScenarioTile.start(of: range.lowerBound)
        while tileStart < range.upperBound {
            plan.evaluator.evaluate(tileStart: tileStart, workspace: workspace)
            let first = Swift.max(tileStart, range.lowerBound)
            let end = Swift.min(tileStart + width, range.upperBound)
            let profit = workspace.accountProfit.baseAddress!
            accumulators.withUnsafeMutableBufferPointer { accumulators in
                for account in 0..<accounts {
                    let row = profit + account * Int(width) + Int(first - tileStart)
                    accumulators[account].add(negatedProfits: row, count: Int(end - first), firstScenario: first)
                }
            }
            tileStart += width
        }
        let summaries = (0..<accounts).map { accumulators[$0].takeSummary() }
        return ChunkSummary(scenarios: range, accounts: summaries)
    }
}
