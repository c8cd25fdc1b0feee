import Foundation
import Synchronization
import TailGridMarket
import TailGridNumerics

/// Attribution by replay: the Euler ES contributions of each account's lines
/// (`AccountExplanation`), from its k largest losses at the job's first confidence level.
///
/// No loss vector is stored anywhere: a scenario is a pure function of (seed, index), so
/// the tiles that hold an account's tail scenarios are evaluated again, exactly as a chunk
/// evaluates them (the same aligned tile, the same evaluator), and each replayed account
/// loss must equal the tail's loss bit for bit, or the replay is refused. From the same
/// tile the replay reads every instrument's P&L and the underlyings' moves, so a line's
/// loss in a scenario is -q * (instrument P&L), restated in the coin for a coin-margined
/// account (P / S', and the value term -(W / S' - W / S) as its own line).
///
/// Line losses are summed in `ExactSum`s, so the contributions do not depend on the
/// thread count or the order in which tiles are replayed.
public struct TailAttribution: Sendable {
    /// How many of the largest losses an explanation lists with their moves.
    public static let worstScenarioCount = 10

    public let plan: EnginePlan
    /// The price processes moves are reported for: the underlyings, then the depegging
    /// stablecoins (the evaluator's `prices` order).
    public let processes: [String]

    /// The processes whose implied vols move (an underlying with a vol factor).
    public var processesWithVol: Set<String> {
        Set(zip(processes, plan.evaluator.prices).filter { $0.1.volFactor != nil }.map(\.0))
    }

    public init(plan: EnginePlan) {
        self.plan = plan
        self.processes = plan.job.market.underlyings.map(\.symbol) + plan.job.market.stablecoins.map(\.symbol)
    }

    /// One line of an account, located in the plan: instrument row, quantity, the
    /// coin-margin terms that restate it.
    struct PlannedLine: Sendable {
        let kind: AccountExplanation.Line.Kind
        let instrument: String
        let underlying: String
        let quantity: Double
        /// The instrument's row in the tile's instrument P&L (nil for the restatement).
        let row: Int?
    }

    /// A tail scenario of an account to replay.
    struct Wanted: Sendable {
        let account: Int
        let tail: TailLoss
    }

    /// The explanation of each account in `accounts` (indices into the job's accounts),
    /// given every account's ranked tail (`tails[a]`, largest first, at least k long: the
    /// merged summaries' tails), and, with the job's stress losses, its worst stress
    /// scenario split by line.
    public func explain(accounts: [Int], tails: [[TailLoss]], stress: StressLosses? = nil,
                        threads: Int = 1) throws(EngineError) -> [AccountExplanation] {
        let job = plan.job
        guard tails.count == job.accounts.count else {
            throw EngineError(.inconsistentSummary, "\(tails.count) tails for \(job.accounts.count) accounts")
        }
        let confidence = job.confidences[0]
        let k = TailEstimate.tailCount(scenarios: job.scenarios, confidence: confidence)
        let required = TailEstimate.intervalRanks(scenarios: job.scenarios, confidence: confidence).high
        var wanted: [UInt64: [Wanted]] = [:]
        for account in accounts {
            guard job.accounts.indices.contains(account) else {
                throw EngineError(.invalidJob, "no account at index \(account)")
            }
            guard tails[account].count >= required else {
                throw EngineError(.inconsistentSummary, "account '\(job.accounts[account].id)': a tail of \(tails[account].count) losses, the estimates need \(required)")
            }
            for entry in tails[account].prefix(k) {
                wanted[ScenarioTile.start(of: entry.scenario), default: []].append(Wanted(account: account, tail: entry))
            }
        }
        let replayed = wanted
        let rows = Dictionary(plan.evaluator.instruments.enumerated().map { ($1.instrument.name, $0) },
                              uniquingKeysWith: { first, _ in first })
        let lines = try accounts.map { account throws(EngineError) in try plannedLines(of: account, rows: rows) }
        let tiles = replayed.keys.sorted()
        let worst = Set(accounts.flatMap { tails[$0].prefix(Swift.min(k, Self.worstScenarioCount)).map(\.scenario) })
        let replay = Mutex(Replay(accounts: accounts, lines: lines, processes: processes.count, stages: stages.count,
                                  coinMargins: plan.evaluator.coinMargins))
        let next = Atomic<Int>(0)
        EngineThreads.run(count: Swift.min(threads, tiles.count)) { [self] in
            var local = Replay(accounts: accounts, lines: lines, processes: processes.count, stages: stages.count,
                              coinMargins: plan.evaluator.coinMargins)
            let workspace = plan.evaluator.makeWorkspace()
            let stager = FactorStager(attribution: self)
            while local.failure == nil {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < tiles.count else { break }
                let tileStart = tiles[index]
                plan.evaluator.evaluate(tileStart: tileStart, workspace: workspace)
                let entries = replayed[tileStart] ?? []
                for entry in entries {
                    local.record(entry: entry, tileStart: tileStart, workspace: workspace, attribution: self,
                                 keepMoves: worst)
                }
                // The waterfall's partial stages (the last is the full loss, recorded above).
                stager.stage(workspace: workspace) { stage in
                    for entry in entries {
                        local.recordStage(stage, entry: entry, tileStart: tileStart, workspace: workspace, attribution: self)
                    }
                }
            }
            replay.withLock { $0.absorb(local) }
        }
        let total = replay.withLock { $0 }
        if let failure = total.failure { throw failure }
        var explanations = accounts.enumerated().map { position, account in
            total.explanation(position: position, account: account, tail: tails[account], confidence: confidence,
                              attribution: self)
        }
        if let stress {
            for (slot, breakdown) in try stressBreakdowns(accounts: accounts, lines: lines, stress: stress).enumerated() {
                explanations[slot].stress = breakdown
            }
        }
        return explanations
    }

    /// The account's lines: positions, collateral coins held as spot, the coin restatement.
    /// `rows` maps an instrument's name to its row in the tile's instrument P&L.
    func plannedLines(of account: Int, rows: [String: Int]) throws(EngineError) -> [PlannedLine] {
        let job = plan.job
        let holder = job.accounts[account]
        func row(_ name: String) throws(EngineError) -> Int {
            guard let row = rows[name] else {
                throw EngineError(.inconsistentSummary, "account '\(holder.id)': the plan does not price \(name)")
            }
            return row
        }
        var lines: [PlannedLine] = []
        for position in holder.positions {
            lines.append(PlannedLine(kind: .position, instrument: position.instrument.name,
                                     underlying: position.instrument.underlying, quantity: position.quantity,
                                     row: try row(position.instrument.name)))
        }
        if job.margin.collateral == .portfolio {
            for collateral in holder.collateral {
                guard let coin = (try? job.market.collateralPrice(collateral.currency))?.underlying else { continue }
                lines.append(PlannedLine(kind: .collateral, instrument: coin, underlying: coin,
                                         quantity: collateral.amount, row: try row(coin)))
            }
        }
        if let margin = plan.evaluator.coinMargins.first(where: { $0.account == account }) {
            lines.append(PlannedLine(kind: .coinRestatement, instrument: processes[margin.process],
                                     underlying: processes[margin.process], quantity: margin.value, row: nil))
        }
        return lines
    }

    /// The moves of column `column` of an evaluated tile.
    func moves(column: Int, workspace: TileWorkspace) -> AccountExplanation.Moves {
        var returns: [Double] = []
        var multipliers: [Double] = []
        forEachMove(column: column, workspace: workspace) { _, spotReturn, multiplier in
            returns.append(spotReturn)
            multipliers.append(multiplier)
        }
        return AccountExplanation.Moves(spotReturns: returns, volMultipliers: multipliers)
    }

    /// Calls `body(process, S' / S - 1, vol multiplier)` for each price process of column
    /// `column` of an evaluated tile, without allocating (it runs for every tail entry).
    func forEachMove(column: Int, workspace: TileWorkspace, _ body: (Int, Double, Double) -> Void) {
        let evaluator = plan.evaluator
        let width = ScenarioTile.size
        let steps = evaluator.steps
        for (process, terms) in evaluator.prices.enumerated() {
            body(process, workspace.pathSpots[(process * steps + steps - 1) * width + column] / terms.spot - 1,
                 workspace.volMultipliers[process * width + column])
        }
    }

    /// The replay's running sums: per account, an exact sum per line and per process move,
    /// and the moves of the scenarios an explanation lists.
    struct Replay: Sendable {
        let accounts: [Int]
        let lines: [[PlannedLine]]
        var lineSums: [[ExactSum]]
        var returnSums: [[ExactSum]]
        var multiplierSums: [[ExactSum]]
        /// Per account, the exact sum of its lines' losses at each partial waterfall stage.
        var stageSums: [[ExactSum]]
        var moves: [UInt64: AccountExplanation.Moves] = [:]
        var failure: EngineError?
        let position: [Int: Int]

        /// Per account, its coin margin (nil for a USD account).
        let coinMargins: [TileEvaluator.CoinMargin?]

        init(accounts: [Int], lines: [[PlannedLine]], processes: Int, stages: Int, coinMargins: [TileEvaluator.CoinMargin]) {
            self.coinMargins = accounts.map { account in coinMargins.first { $0.account == account } }
            self.stageSums = accounts.map { _ in Array(repeating: ExactSum(), count: Swift.max(0, stages - 1)) }
            self.accounts = accounts
            self.lines = lines
            self.lineSums = lines.map { Array(repeating: ExactSum(), count: $0.count) }
            self.returnSums = accounts.map { _ in Array(repeating: ExactSum(), count: processes) }
            self.multiplierSums = returnSums
            self.position = Dictionary(accounts.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        }

        mutating func record(entry: Wanted, tileStart: UInt64, workspace: TileWorkspace,
                             attribution: TailAttribution, keepMoves: Set<UInt64>) {
            guard let slot = position[entry.account] else { return }
            let width = ScenarioTile.size
            let evaluator = attribution.plan.evaluator
            let scenario = entry.tail.scenario
            let column = Int(scenario - tileStart)
            // The replayed loss must be the tail's, bit for bit: the same scenario, priced alike.
            let replayed = -workspace.accountProfit[entry.account * width + column]
            guard replayed.bitPattern == entry.tail.loss.bitPattern else {
                failure = EngineError(.inconsistentSummary, "account '\(attribution.plan.job.accounts[entry.account].id)': scenario \(scenario) replays to a loss of \(replayed), the tail holds \(entry.tail.loss)")
                return
            }
            Self.forEachLineLoss(lines[slot], coin: coinMargins[slot], column: column, workspace: workspace,
                                 steps: evaluator.steps) { index, loss in
                lineSums[slot][index].add(loss)
            }
            attribution.forEachMove(column: column, workspace: workspace) { process, spotReturn, multiplier in
                returnSums[slot][process].add(spotReturn)
                multiplierSums[slot][process].add(multiplier)
            }
            if keepMoves.contains(scenario), self.moves[scenario] == nil {
                self.moves[scenario] = attribution.moves(column: column, workspace: workspace)
            }
        }

        /// Adds the account's loss at partial stage `stage` of the waterfall.
        mutating func recordStage(_ stage: Int, entry: Wanted, tileStart: UInt64, workspace: TileWorkspace,
                                  attribution: TailAttribution) {
            guard let slot = position[entry.account] else { return }
            Self.forEachLineLoss(lines[slot], coin: coinMargins[slot], column: Int(entry.tail.scenario - tileStart),
                                 workspace: workspace, steps: attribution.plan.evaluator.steps) { _, loss in
                stageSums[slot][stage].add(loss)
            }
        }

        /// Calls `body(line, loss)` with each line's loss in column `column` of the
        /// instrument P&L in `workspace` (no allocation: it runs for every tail entry).
        /// Static, so that `body` may mutate the replay's sums without a copy of it.
        static func forEachLineLoss(_ lines: [PlannedLine], coin: TileEvaluator.CoinMargin?, column: Int,
                                    workspace: TileWorkspace, steps: Int, _ body: (Int, Double) -> Void) {
            let width = ScenarioTile.size
            let horizonSpot = coin.map {
                workspace.pathSpots[($0.process * steps + steps - 1) * width + column]
            }
            for (index, line) in lines.enumerated() {
                if let row = line.row {
                    let profit = line.quantity * workspace.instrumentProfit[row * width + column]
                    body(index, -(horizonSpot.map { profit / $0 } ?? profit))
                } else if let coin, let horizonSpot {
                    body(index, -(coin.value / horizonSpot - coin.value / coin.spot))
                } else {
                    body(index, 0)
                }
            }
        }

        mutating func absorb(_ other: Replay) {
            failure = failure ?? other.failure
            for slot in lineSums.indices {
                for stage in stageSums[slot].indices { stageSums[slot][stage].add(other.stageSums[slot][stage]) }
                for index in lineSums[slot].indices { lineSums[slot][index].add(other.lineSums[slot][index]) }
                for process in returnSums[slot].indices {
                    returnSums[slot][process].add(other.returnSums[slot][process])
                    multiplierSums[slot][process].add(other.multiplierSums[slot][process])
                }
            }
            moves.merge(other.moves) { first, _ in first }
        }

        func explanation(position slot: Int, account: Int, tail: [TailLoss], confidence: Double,
                         attribution: TailAttribution) -> AccountExplanation {
            let job = attribution.plan.job
            let estimate = TailEstimate(confidence: confidence, scenarios: job.scenarios, rankedTail: tail)
            let k = Double(estimate.tailCount)
            let lines = zip(self.lines[slot], lineSums[slot]).map { line, sum in
                AccountExplanation.Line(kind: line.kind, instrument: line.instrument, underlying: line.underlying,
                                        quantity: line.quantity, contribution: sum.value / k)
            }
            var underlyings: [AccountExplanation.UnderlyingContribution] = []
            for symbol in attribution.processes {
                let mine = zip(self.lines[slot], lineSums[slot]).filter { $0.0.underlying == symbol }
                guard !mine.isEmpty else { continue }
                var sum = ExactSum()
                for (_, lineSum) in mine { sum.add(lineSum) }
                underlyings.append(.init(symbol: symbol, contribution: sum.value / k))
            }
            let mean = AccountExplanation.Moves(spotReturns: returnSums[slot].map { $0.value / k },
                                                volMultipliers: multiplierSums[slot].map { $0.value / k })
            let worst = tail.prefix(Swift.min(estimate.tailCount, TailAttribution.worstScenarioCount)).compactMap { entry in
                moves[entry.scenario].map { AccountExplanation.Scenario(scenario: entry.scenario, loss: entry.loss, moves: $0) }
            }
            // The waterfall: stage s's increment over stage s - 1, the last stage being the full loss.
            var full = ExactSum()
            for sum in lineSums[slot] { full.add(sum) }
            let stageTotals = stageSums[slot] + [full]
            var factors: [AccountExplanation.FactorContribution] = []
            var previous = 0.0
            for (stage, total) in stageTotals.enumerated() {
                factors.append(.init(factor: attribution.stages[stage].explanationName, contribution: (total.value - previous) / k))
                previous = total.value
            }
            return AccountExplanation(
                id: job.accounts[account].id, currency: job.accounts[account].marginCoin ?? "USD",
                confidence: confidence, tailCount: estimate.tailCount, valueAtRisk: estimate.valueAtRisk,
                expectedShortfall: estimate.expectedShortfall, lines: lines, underlyings: underlyings,
                riskFactors: factors, tailMeanMoves: mean, worstScenarios: worst)
        }
    }
}
