import TailGridMarket
import TailGridNumerics

/// The job's stress scenarios (`stress:`), revalued over the whole book with the engine's
/// own tile evaluation: up to 256 scenarios a tile, one column each, the same pricers,
/// funding, stablecoin quotes and position matrix as the Monte Carlo scenarios.
///
/// A stress test is a pure function of the plan, like a chunk, cut into batches of one
/// tile (`WorkUnits`): a cluster hands each batch to a worker like a chunk, a local run
/// evaluates them in turn. Each scenario's column is revalued on its own, so the losses
/// do not depend on how the scenarios are batched.
public struct StressTest: Sendable, Hashable {
    public let scenarios: [StressScenario]

    public init(scenarios: [StressScenario]) {
        self.scenarios = scenarios
    }

    /// Each account's weighted loss in each scenario, batch after batch (batches of
    /// `WorkUnits.stressBatchSize`, as a cluster computes them).
    public func losses(plan: EnginePlan) -> StressLosses {
        let batches = stride(from: 0, to: scenarios.count, by: WorkUnits.stressBatchSize).map { start in
            batch(start..<Swift.min(scenarios.count, start + WorkUnits.stressBatchSize), plan: plan)
        }
        return StressLosses(scenarios: scenarios, batches: batches, accounts: plan.job.accounts.count)
    }

    /// Each account's weighted loss in the scenarios `range` (at most one tile), which
    /// must lie within the job's stress scenarios.
    public func batch(_ range: Range<Int>, plan: EnginePlan) -> StressBatch {
        precondition(range.lowerBound >= 0 && range.upperBound <= scenarios.count && range.count <= ScenarioTile.size)
        let evaluator = plan.evaluator
        let accounts = plan.job.accounts.count
        var losses = [Double](repeating: 0, count: accounts * range.count)
        guard !range.isEmpty else { return StressBatch(scenarios: range, losses: losses) }
        let workspace = evaluator.makeWorkspace()
        let width = ScenarioTile.size
        let instrumentVols = UnsafeMutableBufferPointer<Double>.allocate(capacity: Swift.max(1, evaluator.instruments.count) * width)
        defer { instrumentVols.deallocate() }
        let market = plan.job.market
        let symbols = market.underlyings.map(\.symbol) + market.stablecoins.map(\.symbol)
        let batch = Array(scenarios[range])
        write(batch, symbols: symbols, evaluator: evaluator, workspace: workspace, instrumentVols: instrumentVols.baseAddress!)
        evaluator.revalue(workspace: workspace, instrumentVolMultipliers: UnsafePointer(instrumentVols.baseAddress!))
        for account in 0..<accounts {
            let profit = workspace.accountProfit.baseAddress! + account * width
            for (column, scenario) in batch.enumerated() {
                losses[account * batch.count + column] = -profit[column] * scenario.weight
            }
        }
        return StressBatch(scenarios: range, losses: losses)
    }

    /// Writes a batch of scenarios into the workspace's paths (columns past the batch
    /// stay at today's market) and each instrument's vol multipliers.
    func write(_ batch: [StressScenario], symbols: [String], evaluator: TileEvaluator, workspace: TileWorkspace,
               instrumentVols: UnsafeMutablePointer<Double>) {
        let width = ScenarioTile.size
        let steps = evaluator.steps
        for (index, terms) in evaluator.prices.enumerated() {
            let logs = workspace.logReturns.baseAddress! + index * width
            let path = workspace.pathSpots.baseAddress! + index * steps * width
            for column in 0..<width {
                let logReturn = column < batch.count ? batch[column].logReturns[symbols[index]] ?? 0 : 0
                logs[column] = logReturn
                let spot = terms.spot * FastMath.exp(logReturn)
                for step in 0..<steps { path[step * width + column] = spot }
                if terms.paysFunding {
                    let later = Double(steps - 1)
                    workspace.spotTimeSums[index * width + column] = evaluator.stepYears * (terms.spot + later * spot)
                    workspace.inverseSpotTimeSums[index * width + column] = evaluator.stepYears * (1 / terms.spot + later / spot)
                }
            }
            (workspace.volMultipliers.baseAddress! + index * width).update(repeating: 1, count: width)
            (workspace.volLogMoves.baseAddress! + index * width).update(repeating: 0, count: width)
            (workspace.carryShifts.baseAddress! + index * width).update(repeating: 0, count: width)
            (workspace.skewShifts.baseAddress! + index * width).update(repeating: 0, count: width)
        }
        for (index, pricer) in evaluator.instruments.enumerated() {
            let row = instrumentVols + index * width
            let days = pricer.time * 365
            for column in 0..<width {
                let move = column < batch.count ? batch[column].volMoves[pricer.instrument.underlying] : nil
                row[column] = move?.multiplier(daysToExpiry: days) ?? 1
            }
        }
    }
}
