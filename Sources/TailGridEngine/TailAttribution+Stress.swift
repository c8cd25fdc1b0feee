import TailGridNumerics

extension TailAttribution {
    /// Each account's worst stress scenario (`StressLosses.Account.worst`) revalued again
    /// with the stress test's own writing of the tile and the tile's revaluation, and split
    /// by the account's lines: line i's loss is its loss in that scenario times the
    /// scenario's weight. The lines are summed exactly and must give the stress loss the
    /// result used, to 1e-9 of the gross line losses (the book sums an account's
    /// instruments in the plan's order, the lines follow the account's), or the breakdown
    /// is refused as inconsistent.
    func stressBreakdowns(accounts: [Int], lines: [[PlannedLine]], stress: StressLosses) throws(EngineError) -> [AccountExplanation.StressBreakdown?] {
        guard !stress.scenarios.isEmpty else { return accounts.map { _ in nil } }
        let evaluator = plan.evaluator
        let width = ScenarioTile.size
        let worst = accounts.map { stress.account($0)?.worst ?? 0 }
        // Distinct worst scenarios, a tile of them at a time.
        let distinct = Array(Set(worst)).sorted()
        let workspace = evaluator.makeWorkspace()
        let instrumentVols = UnsafeMutableBufferPointer<Double>.allocate(capacity: Swift.max(1, evaluator.instruments.count) * width)
        defer { instrumentVols.deallocate() }
        let market = plan.job.market
        let symbols = market.underlyings.map(\.symbol) + market.stablecoins.map(\.symbol)
        let test = StressTest(scenarios: stress.scenarios)
        let coinMargins = accounts.map { account in evaluator.coinMargins.first { $0.account == account } }
        var breakdowns = [AccountExplanation.StressBreakdown?](repeating: nil, count: accounts.count)
        var start = 0
        while start < distinct.count {
            let batch = Array(distinct[start..<Swift.min(start + width, distinct.count)])
            let column = Dictionary(uniqueKeysWithValues: batch.enumerated().map { ($1, $0) })
            test.write(batch.map { stress.scenarios[$0] }, symbols: symbols, evaluator: evaluator, workspace: workspace,
                       instrumentVols: instrumentVols.baseAddress!)
            evaluator.revalue(workspace: workspace, instrumentVolMultipliers: UnsafePointer(instrumentVols.baseAddress!))
            for (slot, account) in accounts.enumerated() {
                guard let scenarioColumn = column[worst[slot]] else { continue }
                let scenario = stress.scenarios[worst[slot]]
                var losses = [Double](repeating: 0, count: lines[slot].count)
                var sum = ExactSum()
                var gross = 0.0
                Self.forEachLineLoss(lines[slot], coin: coinMargins[slot], column: scenarioColumn, workspace: workspace,
                                       steps: evaluator.steps) { index, loss in
                    losses[index] = loss * scenario.weight
                    sum.add(losses[index])
                    gross += abs(losses[index])
                }
                let used = stress.losses[account * stress.scenarios.count + worst[slot]]
                guard abs(sum.value - used) <= 1e-9 * Swift.max(gross, abs(used)) + 1e-300 else {
                    throw EngineError(.inconsistentSummary, "account '\(plan.job.accounts[account].id)': its lines lose \(sum.value) in the stress scenario '\(scenario.name)', the stress test \(used)")
                }
                breakdowns[slot] = AccountExplanation.StressBreakdown(scenario: scenario.name, weight: scenario.weight, loss: used,
                                                                      lineLosses: losses)
            }
            start += batch.count
        }
        return breakdowns
    }
}
