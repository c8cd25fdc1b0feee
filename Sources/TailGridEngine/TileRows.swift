import TailGridNumerics

/// The loss rows of one tile: every account's P&L under the plan's evaluator, then under
/// each dependence-stress evaluator (`EnginePlan.lossRows`), row r = v A + account for
/// evaluator v of A accounts. Not thread-safe: each thread owns one, with a workspace per
/// evaluator.
///
/// With a sparse position matrix a row is aggregated when it is asked for, into one row
/// that stays in cache while the caller reads it; a dense one is one matrix product for
/// all accounts at `evaluate`. Either way the bits are those of `TileEvaluator.evaluate`.
final class TileRows {
    let evaluators: [TileEvaluator]
    let accounts: Int
    let workspaces: [TileWorkspace]
    /// Per evaluator: rows aggregated on demand (sparse positions).
    let onDemand: [Bool]
    /// The row an on-demand `profits` call fills.
    let row: UnsafeMutableBufferPointer<Double>

    init(evaluators: [TileEvaluator], accounts: Int) {
        self.evaluators = evaluators
        self.accounts = accounts
        let onDemand = evaluators.map { $0.positions.layout == .sparse }
        self.onDemand = onDemand
        self.workspaces = zip(evaluators, onDemand).map { evaluator, onDemand in
            evaluator.makeWorkspace(accountRows: !onDemand)
        }
        self.row = AlignedRows.allocate(ScenarioTile.size)
    }

    convenience init(plan: EnginePlan) {
        self.init(evaluators: plan.evaluators, accounts: plan.job.accounts.count)
    }

    deinit {
        AlignedRows.deallocate(row)
    }

    var count: Int { accounts * evaluators.count }

    /// Evaluates the tile starting at `tileStart` with every evaluator.
    func evaluate(tileStart: UInt64) {
        for (index, evaluator) in evaluators.enumerated() {
            evaluator.evaluateInstruments(tileStart: tileStart, workspace: workspaces[index])
            if !onDemand[index] { evaluator.aggregateAccounts(workspace: workspaces[index]) }
        }
    }

    /// Row `row`'s P&L (gains positive) across the tile, after `evaluate`; valid until
    /// the next call.
    func profits(_ row: Int) -> UnsafeMutablePointer<Double> {
        let evaluator = row / accounts
        let account = row % accounts
        guard onDemand[evaluator] else {
            return workspaces[evaluator].accountProfit.baseAddress! + account * ScenarioTile.size
        }
        evaluators[evaluator].accountProfit(account, workspace: workspaces[evaluator], into: self.row.baseAddress!)
        return self.row.baseAddress!
    }
}
