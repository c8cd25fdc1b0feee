import Foundation
import TailGridMarket
import TailGridNumerics

/// Scenarios -> instrument P&L -> account P&L for one tile: the engine's inner loop.
///
/// A scenario is a path of n steps of dt = tau / n. Per underlying, with e_k, h_k, c_k,
/// s_k its spot, vol, basis and skew draws of step k:
/// - spot: S_k = S exp(sum_{j<=k} (sigma sqrt(dt) e_j - sigma^2 dt / 2)) (under FHS the
///   draw is the step's filtered log-return: scale 1, no drift);
/// - implied vols: L = nu sqrt(dt) sum_k h_k, multiplier m = exp(w L - w^2 nu^2 tau / 2)
///   for an option of term weight w (`Underlying.volShockWeight`), mean 1 for any w;
/// - carry shift db = carry_vol sqrt(dt) sum_k c_k; skew shift s = skew_vol sqrt(dt) sum_k s_k;
/// - funding sums sum_{k<n} dt S_k and sum_{k<n} dt / S_k over the steps' starting spots;
/// - a depegging stablecoin's price P_k like a spot of 1 USD with its depeg vol.
/// Each distinct instrument is revalued once per scenario (instruments x scenarios, one
/// contiguous row per instrument) at the horizon spot, or, when it expires inside the
/// horizon, settled at the spot of its expiry step. A linear instrument settling in a
/// depegging stablecoin is priced in that coin at S / P and its P&L converted at the
/// horizon's P (a long USDC perpetual gains S' - S P'); funding stays accrued on the USD
/// spot. Accounts come from the position matrix; a coin-margined account's P&L is then
/// restated in its coin (`CoinMargin`).
public struct TileEvaluator: Sendable {
    /// Per price process (each underlying, then each depegging stablecoin), what turns
    /// its factor draws into a path. A stablecoin is a process of spot 1 USD driven by
    /// its depeg factor, with no vol, basis, skew or funding.
    public struct PriceTerms: Sendable, Hashable {
        public let spot: Double
        public let spotFactor: Int
        public let stepScale: Double
        public let stepDrift: Double
        public let volFactor: Int?
        public let volStepScale: Double
        /// -nu^2 tau / 2, the vol multiplier's drift at term weight 1.
        public let volDrift: Double
        public let basisFactor: Int?
        public let basisStepScale: Double
        public let skewFactor: Int?
        public let skewStepScale: Double
        public let paysFunding: Bool
    }

    /// Per instrument, where its inputs come from.
    public struct InstrumentTerms: Sendable, Hashable {
        public let underlying: Int
        /// The step (0-based) whose spot settles it: its expiry step when it expires inside
        /// the horizon, else the last.
        public let settlementStep: Int
        /// The price process of the depegging stablecoin a linear instrument settles in.
        public let quote: Int?
    }

    /// An account measured in a coin (`Account.marginCoin`): its P&L in the coin is
    /// (W + P) / S' - W / S, with W its value now in USD (collateral at full price and
    /// positions), P its USD P&L and S, S' the coin's spot now and at the horizon.
    public struct CoinMargin: Sendable, Hashable {
        public let account: Int
        /// The coin's price process (its index among the underlyings).
        public let process: Int
        public let value: Double
        public let spot: Double

        public init(account: Int, process: Int, value: Double, spot: Double) {
            self.account = account
            self.process = process
            self.value = value
            self.spot = spot
        }
    }

    public let generator: ScenarioGenerator
    public let steps: Int
    /// dt = tau / steps, years.
    public let stepYears: Double
    public let prices: [PriceTerms]
    public let instruments: [InstrumentPricer]
    public let instrumentTerms: [InstrumentTerms]
    /// Per instrument: for a call, the index of the put at its strike priced with it
    /// (`InstrumentPricer.sharesCallPrice`), else -1; for that put, the call's index as
    /// -2 - index. A paired put's row is written with its call's.
    let putPartners: [Int]
    /// How many puts are revalued with the call at their strike.
    public var pairedPutCount: Int { putPartners.reduce(0) { $1 >= 0 ? $0 + 1 : $0 } }
    public let positions: PositionMatrix
    public let coinMargins: [CoinMargin]
    /// Per account, its index in `coinMargins`, or -1 when it is margined in USD.
    let coinMarginIndex: [Int]
    /// Set by `reading(_:)`: the store this evaluator reads its instruments' P&L from, and
    /// each instrument's row there.
    private(set) var source: (store: InstrumentProfits, rows: [Int])?

    public init(generator: ScenarioGenerator, factors: [RiskFactor], market: MarketData, horizonYears: Double,
                instruments: [InstrumentPricer], positions: PositionMatrix, coinMargins: [CoinMargin] = []) {
        self.generator = generator
        let steps = generator.steps
        self.steps = steps
        let dt = horizonYears / Double(steps)
        self.stepYears = dt
        let root = dt.squareRoot()
        let historical = generator.historical != nil
        var prices = market.underlyings.enumerated().map { index, underlying in
            func factor(_ kind: RiskFactor.Kind) -> Int? {
                factors.firstIndex { $0.underlyingIndex == index && $0.kind == kind }
            }
            let spotFactor = factor(.spot)!
            let nu = underlying.volOfVol ?? 0
            let sigma = factors[spotFactor].volatility
            return PriceTerms(
                spot: underlying.spot, spotFactor: spotFactor,
                stepScale: historical ? 1 : sigma * root, stepDrift: historical ? 0 : -0.5 * sigma * sigma * dt,
                volFactor: factor(.impliedVol), volStepScale: nu * root, volDrift: -0.5 * nu * nu * horizonYears,
                basisFactor: factor(.basis), basisStepScale: (underlying.carryVol ?? 0) * root,
                skewFactor: factor(.skew), skewStepScale: (underlying.skewVol ?? 0) * root,
                paysFunding: underlying.funding != 0)
        }
        for (index, stablecoin) in market.stablecoins.enumerated() {
            let depegFactor = factors.firstIndex { $0.underlyingIndex == index && $0.kind == .depeg }!
            let v = stablecoin.depegVol
            prices.append(PriceTerms(
                spot: 1, spotFactor: depegFactor, stepScale: v * root, stepDrift: -0.5 * v * v * dt,
                volFactor: nil, volStepScale: 0, volDrift: 0, basisFactor: nil, basisStepScale: 0,
                skewFactor: nil, skewStepScale: 0, paysFunding: false))
        }
        self.prices = prices
        let symbols = market.underlyings.map(\.symbol) + market.stablecoins.map(\.symbol)
        self.instruments = instruments
        self.instrumentTerms = instruments.map { pricer in
            let underlying = symbols.firstIndex(of: pricer.instrument.underlying)!
            let currency = pricer.instrument.settlementCurrency
            let quote = currency == pricer.instrument.underlying ? nil : symbols.firstIndex(of: currency)
            var settlementStep = steps - 1
            if pricer.instrument.expiry != nil, pricer.timeAfterHorizon == 0 {
                // The first step ending at or after expiry (a relative 1e-12 absorbs the
                // rounding of an expiry that falls exactly on a step's end).
                let ending = (pricer.time / dt * (1 - 1e-12)).rounded(.up)
                settlementStep = Swift.min(Swift.max(Int(ending) - 1, 0), steps - 1)
            }
            return InstrumentTerms(underlying: underlying, settlementStep: settlementStep, quote: quote)
        }
        self.putPartners = Self.putPartners(instruments)
        self.positions = positions
        self.coinMargins = coinMargins
        var coinMarginIndex = [Int](repeating: -1, count: positions.accountCount)
        for (index, margin) in coinMargins.enumerated() where coinMarginIndex.indices.contains(margin.account) {
            coinMarginIndex[margin.account] = index
        }
        self.coinMarginIndex = coinMarginIndex
    }

    /// Each put after the horizon paired with a call at its strike that prices from the
    /// same Black-76 call (the first such call not yet paired), as `putPartners` holds them.
    static func putPartners(_ instruments: [InstrumentPricer]) -> [Int] {
        var partners = [Int](repeating: -1, count: instruments.count)
        // Calls by what a put must share with them: underlying, settlement and strike.
        var calls: [String: [Int]] = [:]
        func key(_ pricer: InstrumentPricer) -> String? {
            guard case .option(let strike, _) = pricer.payoff, pricer.timeAfterHorizon > 0 else { return nil }
            return "\(pricer.instrument.underlying) \(pricer.instrument.settlementCurrency) \(strike.bitPattern) \(pricer.timeAfterHorizon.bitPattern)"
        }
        for (index, pricer) in instruments.enumerated() {
            guard case .option(_, .call) = pricer.payoff, let key = key(pricer) else { continue }
            calls[key, default: []].append(index)
        }
        for (index, pricer) in instruments.enumerated() {
            guard case .option(_, .put) = pricer.payoff, let key = key(pricer), let candidates = calls[key] else { continue }
            guard let call = candidates.first(where: { partners[$0] == -1 && instruments[$0].sharesCallPrice(with: pricer) })
            else { continue }
            partners[call] = index
            partners[index] = -2 - call
        }
        return partners
    }

    /// This evaluator reading its instruments' P&L from `store` (built by an evaluator of
    /// the same seed, factors and market) instead of generating and pricing scenarios;
    /// itself when `store` lacks one of its instruments or has other price processes.
    /// Only the instrument P&L and the horizon spots are read: stress tests and replays,
    /// which write or read the paths, need an evaluator that prices.
    public func reading(_ store: InstrumentProfits) -> TileEvaluator {
        let rows = instruments.compactMap { store.rows[$0.instrument.name] }
        guard rows.count == instruments.count, store.processes == prices.count else { return self }
        var copy = self
        copy.source = (store, rows)
        return copy
    }

    /// Whether this evaluator reads its instruments' P&L from a store (`reading(_:)`).
    public var readsStoredProfits: Bool { source != nil }

    /// A workspace for this evaluator; without `accountRows`, it has no rows of account
    /// P&L (the caller takes accounts one by one through `accountProfit(_:workspace:into:)`).
    public func makeWorkspace(accountRows: Bool = true) -> TileWorkspace {
        TileWorkspace(factors: generator.factorCount, steps: steps, underlyings: prices.count,
                      instruments: instruments.count, accounts: accountRows ? positions.accountCount : 0)
    }

    /// Fills `workspace.accountProfit` for the tile starting at `tileStart`.
    public func evaluate(tileStart: UInt64, workspace: TileWorkspace) {
        evaluateInstruments(tileStart: tileStart, workspace: workspace)
        aggregateAccounts(workspace: workspace)
    }

    /// Fills `workspace.instrumentProfit` for the tile starting at `tileStart`: the
    /// scenarios, their paths and every instrument revalued.
    func evaluateInstruments(tileStart: UInt64, workspace: TileWorkspace) {
        if let source {
            source.store.read(tileStart: tileStart, rows: source.rows, steps: steps, into: workspace)
            return
        }
        generator.generate(tileStart: tileStart, draws: workspace.draws.baseAddress!,
                           independent: workspace.independent.baseAddress!, scratch: workspace.rowScratch)
        for index in prices.indices {
            buildPath(of: index, workspace: workspace)
        }
        revalueInstruments(workspace: workspace)
    }

    /// Instrument P&L and account P&L (`workspace.accountProfit`) from the paths, vol
    /// multipliers, shifts and funding sums already in `workspace`: the scenarios' or
    /// those a `StressTest` writes. `instrumentVolMultipliers` (instruments x tile), when
    /// given, replaces each instrument's vol multipliers (a stress's per-expiry vol moves).
    func revalue(workspace: TileWorkspace, instrumentVolMultipliers: UnsafePointer<Double>? = nil) {
        revalueInstruments(workspace: workspace, instrumentVolMultipliers: instrumentVolMultipliers)
        aggregateAccounts(workspace: workspace)
    }

    /// Every account's P&L (`workspace.accountProfit`) from the instruments'.
    func aggregateAccounts(workspace: TileWorkspace) {
        let width = ScenarioTile.size
        positions.accumulate(instrumentProfit: workspace.instrumentProfit.baseAddress!,
                             into: workspace.accountProfit.baseAddress!, width: width)
        for margin in coinMargins {
            restate(workspace.accountProfit.baseAddress! + margin.account * width, in: margin, workspace: workspace)
        }
    }

    /// One account's P&L across the tile into `target` (a tile of doubles), from the
    /// instruments' in `workspace`: the same bits as its row of `aggregateAccounts`, with
    /// the row kept in cache for what reads it next. Sparse position matrices only (a
    /// dense one sums its accounts together, `aggregateAccounts`). Inlined into its caller
    /// (`TileRows.profits`), which otherwise copied the whole evaluator out of its array
    /// (a 288-byte memmove) for every row of every tile: 2.3% of the medium book's CPU.
    @inline(__always)
    func accountProfit(_ account: Int, workspace: TileWorkspace, into target: UnsafeMutablePointer<Double>) {
        positions.accumulate(account: account, instrumentProfit: workspace.instrumentProfit.baseAddress!, into: target,
                             width: ScenarioTile.size)
        let margin = coinMarginIndex[account]
        if margin >= 0 { restate(target, in: coinMargins[margin], workspace: workspace) }
    }

    /// A coin-margined account's USD P&L across the tile, restated in its coin.
    @inline(__always)
    func restate(_ profit: UnsafeMutablePointer<Double>, in margin: CoinMargin, workspace: TileWorkspace) {
        let width = ScenarioTile.size
        let spots = workspace.pathSpots.baseAddress! + (margin.process * steps + steps - 1) * width
        let before = margin.value / margin.spot
        for column in 0..<width { profit[column] = (margin.value + profit[column]) / spots[column] - before }
    }

    /// Instrument P&L (`workspace.instrumentProfit`) from the paths, as `revalue`.
    func revalueInstruments(workspace: TileWorkspace, instrumentVolMultipliers: UnsafePointer<Double>? = nil) {
        let width = ScenarioTile.size
        let paths = workspace.pathSpots.baseAddress!
        let logReturns = workspace.logReturns.baseAddress!
        let scratch = workspace.pricingScratch.baseAddress!
        // Per-instrument vol multipliers (a stress batch) can differ between a call and
        // its put: each is then priced alone, to the same bits.
        let pairs = instrumentVolMultipliers == nil
        // By index, never a loop variable: a copy out of the array retained and released
        // each of the instrument's arrays and strings, per instrument and tile.
        for index in instruments.indices {
            let partner = putPartners[index]
            if pairs && partner <= -2 { continue }
            let terms = instrumentTerms[index]
            let u = terms.underlying
            var spots = UnsafePointer(paths + (u * steps + steps - 1) * width)
            var settlement = UnsafePointer(paths + (u * steps + terms.settlementStep) * width)
            var logs = UnsafePointer(logReturns + u * width)
            var multipliers = UnsafePointer(workspace.volMultipliers.baseAddress! + u * width)
            if let instrumentVolMultipliers {
                multipliers = instrumentVolMultipliers + index * width
            } else if instruments[index].volShockWeight != 1, prices[u].volFactor != nil {
                let w = instruments[index].volShockWeight
                let drift = w * w * prices[u].volDrift
                let moves = workspace.volLogMoves.baseAddress! + u * width
                let weighted = workspace.weightedVolMultipliers.baseAddress!
                for column in 0..<width { weighted[column] = FastMath.exp(w * moves[column] + drift) }
                multipliers = UnsafePointer(weighted)
            }
            let horizonPrice = terms.quote.map { UnsafePointer(paths + ($0 * steps + steps - 1) * width) }
            if let quote = terms.quote, let horizonPrice {
                // Priced in the stablecoin, at the coin's price in it (S / P), and its P&L
                // converted to USD at the horizon's P.
                let settlementPrice = paths + (quote * steps + terms.settlementStep) * width
                let quoteLogs = logReturns + quote * width
                let quotedSpots = scratch + 3 * width
                let quotedLogs = scratch + 4 * width
                let quotedSettlement = scratch + 5 * width
                for column in 0..<width {
                    quotedSpots[column] = spots[column] / horizonPrice[column]
                    quotedLogs[column] = logs[column] - quoteLogs[column]
                    quotedSettlement[column] = settlement[column] / settlementPrice[column]
                }
                spots = UnsafePointer(quotedSpots)
                logs = UnsafePointer(quotedLogs)
                settlement = UnsafePointer(quotedSettlement)
            }
            let row = RevaluationRow(
                spots: spots, logReturns: logs, settlementSpots: settlement, volMultipliers: multipliers,
                carryShifts: prices[u].basisFactor.map { _ in UnsafePointer(workspace.carryShifts.baseAddress! + u * width) },
                skewShifts: workspace.skewShifts.baseAddress! + u * width,
                scratch: scratch, rowScratch: workspace.rowScratch, count: width)
            let profit = workspace.instrumentProfit.baseAddress! + index * width
            if pairs && partner >= 0 {
                let putProfit = workspace.instrumentProfit.baseAddress! + partner * width
                instruments[index].optionPairProfitAndLoss(row, putValue: instruments[partner].value, intoCall: profit,
                                                            intoPut: putProfit)
                finish(putProfit, of: instruments[partner], underlying: u, horizonPrice: horizonPrice, workspace: workspace)
            } else {
                instruments[index].profitAndLoss(row, into: profit)
            }
            finish(profit, of: instruments[index], underlying: u, horizonPrice: horizonPrice, workspace: workspace)
        }
    }

    /// An instrument's P&L row after pricing: converted to USD at the horizon's price of
    /// its settlement stablecoin, less the funding a perpetual pays.
    @inline(__always)
    func finish(_ profit: UnsafeMutablePointer<Double>, of pricer: InstrumentPricer, underlying u: Int,
                horizonPrice: UnsafePointer<Double>?, workspace: TileWorkspace) {
        let width = ScenarioTile.size
        if let horizonPrice {
            for column in 0..<width { profit[column] *= horizonPrice[column] }
        }
        if pricer.fundingRate != 0 {
            let usdSpots = workspace.pathSpots.baseAddress! + (u * steps + steps - 1) * width
            let sums = workspace.spotTimeSums.baseAddress! + u * width
            let inverseSums = workspace.inverseSpotTimeSums.baseAddress! + u * width
            for column in 0..<width {
                profit[column] -= pricer.funding(spot: usdSpots[column], spotTimeSum: sums[column],
                                                 inverseSpotTimeSum: inverseSums[column])
            }
        }
    }

    /// The spot path, vol multiplier, carry and skew shifts and funding sums of one
    /// underlying for the whole tile.
    func buildPath(of index: Int, workspace: TileWorkspace) {
        let width = ScenarioTile.size
        let row = steps * width
        let terms = prices[index]
        let draws = workspace.draws.baseAddress!
        let logs = workspace.logReturns.baseAddress! + index * width
        logs.update(repeating: 0, count: width)
        let path = workspace.pathSpots.baseAddress! + index * row
        for step in 0..<steps {
            let drawRow = draws + terms.spotFactor * row + step * width
            let spots = path + step * width
            for column in 0..<width {
                logs[column] += terms.stepScale * drawRow[column] + terms.stepDrift
                spots[column] = terms.spot * FastMath.exp(logs[column])
            }
        }
        if terms.paysFunding {
            let sums = workspace.spotTimeSums.baseAddress! + index * width
            let inverseSums = workspace.inverseSpotTimeSums.baseAddress! + index * width
            for column in 0..<width {
                var sum = terms.spot
                var inverseSum = 1 / terms.spot
                for step in 0..<(steps - 1) {
                    sum += path[step * width + column]
                    inverseSum += 1 / path[step * width + column]
                }
                sums[column] = stepYears * sum
                inverseSums[column] = stepYears * inverseSum
            }
        }
        let multipliers = workspace.volMultipliers.baseAddress! + index * width
        if let volFactor = terms.volFactor {
            let moves = workspace.volLogMoves.baseAddress! + index * width
            sumSteps(draws + volFactor * row, scale: terms.volStepScale, into: moves)
            for column in 0..<width {
                multipliers[column] = FastMath.exp(moves[column] + terms.volDrift)
            }
        } else {
            multipliers.update(repeating: 1, count: width)
        }
        if let basisFactor = terms.basisFactor {
            sumSteps(draws + basisFactor * row, scale: terms.basisStepScale,
                     into: workspace.carryShifts.baseAddress! + index * width)
        }
        if let skewFactor = terms.skewFactor {
            sumSteps(draws + skewFactor * row, scale: terms.skewStepScale,
                     into: workspace.skewShifts.baseAddress! + index * width)
        }
    }

    /// out[c] = scale * sum_k draws[k][c] over the steps of one factor's row.
    func sumSteps(_ factorRow: UnsafeMutablePointer<Double>, scale: Double, into out: UnsafeMutablePointer<Double>) {
        let width = ScenarioTile.size
        out.update(repeating: 0, count: width)
        for step in 0..<steps {
            let drawRow = factorRow + step * width
            for column in 0..<width { out[column] += drawRow[column] }
        }
        for column in 0..<width { out[column] = scale * out[column] }
    }
}
