/// The loss rows of one tile: every account's P&L under the plan's evaluator, then under
/// each dependence-stress evaluator (`EnginePlan.lossRows`), row r = v A + account for
/// evaluator v of A accounts. Not thread-safe: each thread owns one, with a workspace per
/// evaluator.
final class TileRows {
    let evaluators: [TileEvaluator]
    let accounts: Int
    let workspaces: [TileWorkspace]

    init(evaluators: [TileEvaluator], accounts: Int) {
        self.evaluators = evaluators
        self.accounts = accounts
        self.workspaces = evaluators.map { $0.makeWorkspace() }
    }

    convenience init(plan: EnginePlan) {
        self.init(evaluators: plan.evaluators, accounts: plan.job.accounts.count)
    }

    var count: Int { accounts * evaluators.count }

    /// Evaluates the tile starting at `tileStart` with every evaluator.
    func evaluate(tileStart: UInt64) {
        for (evaluator, workspace) in zip(evaluators, workspaces) {
            evaluator.evaluate(tileStart: tileStart, workspace: workspace)
        }
    }

    /// Row `row`'s P&L (gains positive) across the tile, after `evaluate`.
    func profits(_ row: Int) -> UnsafeMutablePointer<Double> {
        workspaces[row / accounts].accountProfit.baseAddress! + (row % accounts) * ScenarioTile.size
    }
}
