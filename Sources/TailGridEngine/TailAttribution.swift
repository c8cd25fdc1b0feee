import Foundation
import Synchronization
import TailGridMarket
import TailGridNumerics

/// Attribution by replay: the Euler ES contributions of each account's lines
/// (`AccountExplanation`), from its k largest losses at the job's first confidence level.
///
/// No loss vector is stored anywhere: a scenario is a pure function of (seed, index), so
/// the tiles of a scenario range are evaluated again, exactly as a chunk evaluates them
/// (the same aligned tile, the same evaluator), and every loss that ranks at or before
/// the account's k-th tail entry (`ReplayBars`) is one of its tail's entries. From the
/// same tile the replay reads every instrument's P&L and the underlyings' moves, so a
/// line's loss in a scenario is -q * (instrument P&L), restated in the coin for a
/// coin-margined account (P / S', and the value term -(W / S' - W / S) as its own line).
///
/// A replay covers a scenario range (`replay(_:bars:)`): the local explanation replays
/// the chunks on its threads, a cluster hands them to its workers. Each range's replay is
/// checked against the tail (`check`: the count and exact loss sum of the tail's entries
/// in the range, the moves of exactly its listed worst entries), and the sums are exact
/// (`TailReplay`), so the contributions do not depend on the thread count, the workers or
/// the order in which ranges are replayed.
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

    /// The explanation of each account in `accounts` (indices into the job's accounts),
    /// given every account's ranked tail (`tails[a]`, largest first, at least k long: the
    /// merged summaries' tails), and, with the job's stress losses, its worst stress
    /// scenario split by line. Ranges of 2,048 scenarios are replayed on `threads`.
    public func explain(accounts: [Int], tails: [[TailLoss]], stress: StressLosses? = nil,
                        threads: Int = 1) throws(EngineError) -> [AccountExplanation] {
        let bars = try bars(accounts: accounts, tails: tails)
        let lines = try plannedLines(of: bars.accounts)
        // Ranges of 8 tiles: enough of them to keep every thread busy to the end (the
        // sums are exact, so the ranges do not change the bits).
        let chunks = ChunkPlan(scenarios: plan.job.scenarios, chunkSize: 8 * ScenarioTile.size)
        let expectations = ReplayExpectation.perChunk(chunks, bars: bars, tails: tails)
        let total = Mutex(emptyReplay(lines: lines))
        let failure = Mutex<EngineError?>(nil)
        let next = Atomic<Int>(0)
        EngineThreads.run(count: Swift.max(1, Swift.min(threads, chunks.chunkCount))) { [self] in
            while failure.withLock({ $0 == nil }) {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < chunks.chunkCount else { break }
                let part = replay(chunks.range(ofChunk: index), bars: bars, lines: lines)
                do throws(EngineError) {
                    try check(part, against: expectations[index], bars: bars)
                    total.withLock { $0.absorb(part) }
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return try explanations(total.withLock { $0 }, bars: bars, tails: tails, stress: stress)
    }

    /// The bars of `accounts`' tails (`tails[a]`: every account's merged tail, ranked).
    public func bars(accounts: [Int], tails: [[TailLoss]]) throws(EngineError) -> ReplayBars {
        let job = plan.job
        guard tails.count == job.accounts.count else {
            throw EngineError(.inconsistentSummary, "\(tails.count) tails for \(job.accounts.count) accounts")
        }
        let confidence = job.confidences[0]
        let k = TailEstimate.tailCount(scenarios: job.scenarios, confidence: confidence)
        let required = Swift.max(k, TailEstimate.intervalRanks(scenarios: job.scenarios, confidence: confidence).high)
        var tail: [TailLoss] = []
        var worst: [TailLoss] = []
        for account in accounts {
            guard job.accounts.indices.contains(account) else {
                throw EngineError(.invalidJob, "no account at index \(account)")
            }
            guard tails[account].count >= required, k > 0 else {
                throw EngineError(.inconsistentSummary, "account '\(job.accounts[account].id)': a tail of \(tails[account].count) losses, the estimates need \(required)")
            }
            tail.append(tails[account][k - 1])
            worst.append(tails[account][Swift.min(k, Self.worstScenarioCount) - 1])
        }
        return ReplayBars(accounts: accounts, tail: tail, worst: worst, tailCount: k)
    }

    /// The replay of the scenarios `range`: every tile it touches evaluated, and each
    /// explained account's losses in the range that its bars admit recorded.
    public func replay(_ range: Range<UInt64>, bars: ReplayBars) throws(EngineError) -> TailReplay {
        replay(range, bars: bars, lines: try plannedLines(of: bars.accounts))
    }

    func replay(_ range: Range<UInt64>, bars: ReplayBars, lines: [[PlannedLine]]) -> TailReplay {
        var replay = emptyReplay(lines: lines)
        guard !range.isEmpty else { return replay }
        let width = ScenarioTile.size
        let evaluator = plan.evaluator
        let workspace = evaluator.makeWorkspace()
        let stager = FactorStager(attribution: self)
        let coinMargins = bars.accounts.map { account in evaluator.coinMargins.first { $0.account == account } }
        var entries: [(slot: Int, column: Int)] = []
        var tileStart = ScenarioTile.start(of: range.lowerBound)
        while tileStart < range.upperBound {
            let first = Int(Swift.max(range.lowerBound, tileStart) - tileStart)
            let end = Int(Swift.min(range.upperBound, tileStart + UInt64(width)) - tileStart)
            evaluator.evaluate(tileStart: tileStart, workspace: workspace)
            entries.removeAll(keepingCapacity: true)
            for (slot, account) in bars.accounts.enumerated() {
                let profit = workspace.accountProfit.baseAddress! + account * width
                let bar = bars.tail[slot].loss
                for column in first..<end {
                    // Most losses are below the bar (and a NaN fails it): one comparison.
                    guard -profit[column] >= bar else { continue }
                    let entry = TailLoss(loss: -profit[column], scenario: tileStart + UInt64(column))
                    guard bars.admits(entry, slot: slot) else { continue }
                    entries.append((slot, column))
                    replay.counts[slot] += 1
                    replay.lossSums[slot].add(entry.loss)
                    Self.forEachLineLoss(lines[slot], coin: coinMargins[slot], column: column, workspace: workspace,
                                         steps: evaluator.steps) { index, loss in
                        replay.lineSums[slot][index].add(loss)
                    }
                    forEachMove(column: column, workspace: workspace) { process, spotReturn, multiplier in
                        replay.returnSums[slot][process].add(spotReturn)
                        replay.multiplierSums[slot][process].add(multiplier)
                    }
                    if bars.admits(entry, slot: slot, worst: true) {
                        replay.worstMoves[slot][entry.scenario] = moves(column: column, workspace: workspace)
                    }
                }
            }
            // The waterfall's partial stages (the last is the full loss, recorded above).
            stager.stage(workspace: workspace) { stage in
                for (slot, column) in entries {
                    Self.forEachLineLoss(lines[slot], coin: coinMargins[slot], column: column, workspace: workspace,
                                         steps: evaluator.steps) { _, loss in
                        replay.stageSums[slot][stage].add(loss)
                    }
                }
            }
            tileStart += UInt64(width)
        }
        return replay
    }

    /// Empty sums of the shape a replay for `bars` has (for checking one from the wire).
    public func emptyReplay(bars: ReplayBars) throws(EngineError) -> TailReplay {
        emptyReplay(lines: try plannedLines(of: bars.accounts))
    }

    func emptyReplay(lines: [[PlannedLine]]) -> TailReplay {
        TailReplay(lineCounts: lines.map(\.count), processes: processes.count, stages: stages.count)
    }

    /// Checks a replay of the scenarios `range` against the tails (`ReplayExpectation.of`).
    public func check(_ replay: TailReplay, range: Range<UInt64>, bars: ReplayBars, tails: [[TailLoss]]) throws(EngineError) {
        try check(replay, against: ReplayExpectation.of(range, bars: bars, tails: tails), bars: bars)
    }

    /// Checks a replay against what its range must hold: for each account, exactly the
    /// tail's entries in the range (their count and the exact sum of their losses), and
    /// the moves of exactly its listed worst entries there, one per process.
    public func check(_ replay: TailReplay, against expected: ReplayExpectation, bars: ReplayBars) throws(EngineError) {
        let range = expected.range
        guard replay.counts.count == bars.accounts.count, expected.counts.count == bars.accounts.count else {
            throw EngineError(.inconsistentSummary, "the replay of scenarios \(range.lowerBound)..<\(range.upperBound) has \(replay.counts.count) accounts, the bars \(bars.accounts.count)")
        }
        for (slot, account) in bars.accounts.enumerated() {
            let id = plan.job.accounts[account].id
            guard replay.counts[slot] == expected.counts[slot], replay.lossSums[slot] == expected.lossSums[slot] else {
                throw EngineError(.inconsistentSummary, "account '\(id)': the replay of scenarios \(range.lowerBound)..<\(range.upperBound) found \(replay.counts[slot]) tail losses summing to \(replay.lossSums[slot].value); the tail holds \(expected.counts[slot]) summing to \(expected.lossSums[slot].value)")
            }
            guard replay.worstMoves[slot].keys.sorted() == expected.worst[slot],
                  replay.worstMoves[slot].values.allSatisfy({ $0.spotReturns.count == processes.count && $0.volMultipliers.count == processes.count }) else {
                throw EngineError(.inconsistentSummary, "account '\(id)': the replay of scenarios \(range.lowerBound)..<\(range.upperBound) lists the moves of other scenarios than its worst")
            }
        }
    }

    /// The explanations from the replay of every scenario, checked against the tails as a
    /// whole, and with the job's stress losses the worst stress scenario line by line.
    public func explanations(_ total: TailReplay, bars: ReplayBars, tails: [[TailLoss]],
                             stress: StressLosses?) throws(EngineError) -> [AccountExplanation] {
        let lines = try plannedLines(of: bars.accounts)
        guard total.hasShape(of: emptyReplay(lines: lines)) else {
            throw EngineError(.inconsistentSummary, "the replay does not have the shape of the explained accounts")
        }
        try check(total, range: 0..<UInt64(plan.job.scenarios), bars: bars, tails: tails)
        let confidence = plan.job.confidences[0]
        var explanations = bars.accounts.enumerated().map { slot, account in
            explanation(total, slot: slot, account: account, lines: lines[slot], tail: tails[account], confidence: confidence)
        }
        if let stress {
            for (slot, breakdown) in try stressBreakdowns(accounts: bars.accounts, lines: lines, stress: stress).enumerated() {
                explanations[slot].stress = breakdown
            }
        }
        return explanations
    }

    /// Every explained account's lines, in the bars' order.
    func plannedLines(of accounts: [Int]) throws(EngineError) -> [[PlannedLine]] {
        let rows = Dictionary(plan.evaluator.instruments.enumerated().map { ($1.instrument.name, $0) },
                              uniquingKeysWith: { first, _ in first })
        return try accounts.map { account throws(EngineError) in try plannedLines(of: account, rows: rows) }
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

    /// Calls `body(line, loss)` with each line's loss in column `column` of the
    /// instrument P&L in `workspace` (no allocation: it runs for every tail entry).
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

    func explanation(_ replay: TailReplay, slot: Int, account: Int, lines planned: [PlannedLine], tail: [TailLoss],
                     confidence: Double) -> AccountExplanation {
        let job = plan.job
        let estimate = TailEstimate(confidence: confidence, scenarios: job.scenarios, rankedTail: tail)
        let k = Double(estimate.tailCount)
        let lineSums = replay.lineSums[slot]
        let lines = zip(planned, lineSums).map { line, sum in
            AccountExplanation.Line(kind: line.kind, instrument: line.instrument, underlying: line.underlying,
                                    quantity: line.quantity, contribution: sum.value / k)
        }
        var underlyings: [AccountExplanation.UnderlyingContribution] = []
        for symbol in processes {
            let mine = zip(planned, lineSums).filter { $0.0.underlying == symbol }
            guard !mine.isEmpty else { continue }
            var sum = ExactSum()
            for (_, lineSum) in mine { sum.add(lineSum) }
            underlyings.append(.init(symbol: symbol, contribution: sum.value / k))
        }
        let mean = AccountExplanation.Moves(spotReturns: replay.returnSums[slot].map { $0.value / k },
                                            volMultipliers: replay.multiplierSums[slot].map { $0.value / k })
        let worst = tail.prefix(Swift.min(estimate.tailCount, Self.worstScenarioCount)).compactMap { entry in
            replay.worstMoves[slot][entry.scenario].map { AccountExplanation.Scenario(scenario: entry.scenario, loss: entry.loss, moves: $0) }
        }
        // The waterfall: stage s's increment over stage s - 1, the last stage being the full loss.
        var full = ExactSum()
        for sum in lineSums { full.add(sum) }
        let stageTotals = replay.stageSums[slot] + [full]
        var factors: [AccountExplanation.FactorContribution] = []
        var previous = 0.0
        for (stage, total) in stageTotals.enumerated() {
            factors.append(.init(factor: stages[stage].explanationName, contribution: (total.value - previous) / k))
            previous = total.value
        }
        return AccountExplanation(
            id: job.accounts[account].id, currency: job.accounts[account].marginCoin ?? "USD",
            confidence: confidence, tailCount: estimate.tailCount, valueAtRisk: estimate.valueAtRisk,
            expectedShortfall: estimate.expectedShortfall, lines: lines, underlyings: underlyings,
            riskFactors: factors, tailMeanMoves: mean, worstScenarios: worst)
    }
}
