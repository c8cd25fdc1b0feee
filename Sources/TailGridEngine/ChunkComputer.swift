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
        var counts = [Int](repeating: 0, count: accounts)
        var nonFinite = [Int](repeating: 0, count: accounts)
        var sums = [ExactSum](repeating: ExactSum(), count: accounts)
        var squares = [ExactSum](repeating: ExactSum(), count: accounts)
        var histograms = plan.histogramLayouts.map { LossHistogram(layout: $0) }
        let capacity = Swift.min(plan.tailCapacity, range.count)
        var tails = (0..<accounts).map { TailSelector(capacity: Swift.max(1, capacity), floor: floors?[$0] ?? -.infinity) }

        var tileStart = range.isEmpty ? range.upperBound : ScenarioTile.start(of: range.lowerBound)
        while tileStart < range.upperBound {
            plan.evaluator.evaluate(tileStart: tileStart, workspace: workspace)
            let first = Swift.max(tileStart, range.lowerBound)
            let end = Swift.min(tileStart + width, range.upperBound)
            let profit = workspace.accountProfit.baseAddress!
            for account in 0..<accounts {
                let row = profit + account * Int(width)
                for scenario in first..<end {
                    let loss = -row[Int(scenario - tileStart)]
                    guard loss.isFinite else {
                        nonFinite[account] += 1
                        continue
                    }
                    counts[account] += 1
                    sums[account].add(loss)
                    squares[account].add(loss * loss)
                    histograms[account].add(loss)
                    tails[account].offer(loss: loss, scenario: scenario)
                }
            }
            tileStart += width
        }
        let summaries = (0..<accounts).map { account in
            AccountLossSummary(count: counts[account], sum: sums[account], sumOfSquares: squares[account],
                               histogram: histograms[account], tail: tails[account].rankedTail(),
                               nonFiniteCount: nonFinite[account])
        }
        return ChunkSummary(scenarios: range, accounts: summaries)
    }
}
