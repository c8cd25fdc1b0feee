import TailGridCalibration
import TailGridMarket
import TailGridNumerics

/// A job prepared for computation: factors and their correlation factor, one pricer per
/// distinct instrument, the position matrix, equity, histogram bins and tail length.
/// Immutable and Sendable: every thread (and, in a cluster, every worker) that holds the
/// same job builds the same plan and computes any chunk of it.
public struct EnginePlan: Sendable {
    public let job: EngineJob
    public let factors: [RiskFactor]
    /// Numerical rank of the full factor correlation matrix.
    public let correlationRank: Int
    public let evaluator: TileEvaluator
    /// The dependence stress's evaluators, one per `DependenceStress.Variant` (empty
    /// without): the same pricers and positions, a stressed correlation factor.
    public let dependenceEvaluators: [TileEvaluator]
    /// The lookback floor's evaluator (`LookbackFloor`): the job's random numbers under
    /// the lookback's vols and correlation; nil without one.
    public let floorEvaluator: TileEvaluator?
    /// Equity per account now, USD: collateral at its haircut value (`MarginPolicy`)
    /// plus the value of positions.
    public let equity: [Double]
    /// One per loss row (`lossRowCount`).
    public let histogramLayouts: [LossHistogram.Layout]
    /// How many of the largest losses each loss row's tail keeps.
    public let tailCapacity: Int
    public let chunks: ChunkPlan
    /// Per account, how many instruments the accounts before it hold (the index its own
    /// first new instrument gets, when the plan has no `instrumentRank`).
    public let accountStarts: [Int]

    /// With `stores` (one per evaluator, in loss-row order: `ServedBook`), each evaluator
    /// reads its instruments' P&L from its store when the store has them all. With
    /// `instrumentRank`, the instruments are ordered by their rank there (those without
    /// one after, in order of first appearance): a plan of part of a book sums each
    /// account's positions in the book's order, so its rows are the book's bits.
    public init(_ job: EngineJob, reading stores: [InstrumentProfits] = [],
                instrumentRank: [String: Int]? = nil) throws(EngineError) {
        try Self.check(job)
        self.job = job
        let factors = EngineJob.factors(of: job.market)
        self.factors = factors

        let correlation = try Self.fullCorrelation(factors: factors, listed: job.correlation)
        let factor = try Self.factor(named: "factor correlation") { () throws(NumericsError) in try CorrelationFactor(correlation) }
        self.correlationRank = factor.rank
        var historical: HistoricalBlockSampler?
        if case .filteredHistorical(let history) = job.model {
            if let modelled = factors.first(where: { $0.kind != .spot && $0.kind != .impliedVol }) {
                throw EngineError(.invalidJob, "fhs has no history for the factor \(modelled.name); drop carry_vol / skew_vol / depeg_vol or use a parametric model")
            }
            guard let sampler = HistoricalBlockSampler(history: history, factors: factors, market: job.market) else {
                throw EngineError(.invalidJob, "fhs needs a price history for every underlying (have: \(history.symbols.joined(separator: ", ")))")
            }
            historical = sampler
        }
        guard factors.count * job.steps <= EngineJob.maxDrawsPerScenario else {
            throw EngineError(.invalidJob, "\(factors.count) factors x \(job.steps) steps is \(factors.count * job.steps) draws per scenario; at most \(EngineJob.maxDrawsPerScenario)")
        }
        let generator = ScenarioGenerator(seed: job.seed, correlationFactor: factor.factor, model: job.model,
                                          steps: job.steps, historical: historical)

        // Distinct instruments, in order of first appearance; collateral coins move as spot.
        var pricers: [InstrumentPricer] = []
        var instrumentIndex: [String: Int] = [:]
        func index(of instrument: Instrument) throws(EngineError) -> Int {
            if let existing = instrumentIndex[instrument.name] { return existing }
            do {
                pricers.append(try InstrumentPricer(instrument: instrument, market: job.market,
                                                    horizonYears: job.horizonYears))
            } catch {
                throw EngineError(.invalidJob, error.message)
            }
            instrumentIndex[instrument.name] = pricers.count - 1
            return pricers.count - 1
        }
        var holdings: [PositionMatrix.Row] = []
        var entries: [(instrument: Int, quantity: Double)] = []
        var equity: [Double] = []
        var coinMargins: [TileEvaluator.CoinMargin] = []
        var accountStarts: [Int] = []
        for account in job.accounts {
            accountStarts.append(pricers.count)
            entries.removeAll(keepingCapacity: true)
            var value = 0.0
            var marketValue = 0.0
            for collateral in account.collateral {
                let price: (price: Double, underlying: String?)
                do {
                    price = try job.market.collateralPrice(collateral.currency)
                } catch {
                    throw EngineError(.invalidJob, "account '\(account.id)': collateral \(error.message)")
                }
                guard let haircut = job.haircuts[collateral.currency] ?? (collateral.currency == "USD" ? 0 : nil) else {
                    throw EngineError(.invalidJob, "account '\(account.id)': no haircut for collateral currency '\(collateral.currency)'")
                }
                value += MarginPolicy.collateralValue(amount: collateral.amount, price: price.price, haircut: haircut)
                marketValue += collateral.amount * price.price
                if let coin = price.underlying, job.margin.collateral == .portfolio {
                    entries.append((try index(of: Instrument(name: coin, underlying: coin, kind: .spot)), collateral.amount))
                }
            }
            for position in account.positions {
                let i = try index(of: position.instrument)
                entries.append((i, position.quantity))
                value += position.quantity * pricers[i].value
                marketValue += position.quantity * pricers[i].value
            }
            if let coin = account.marginCoin {
                guard let process = job.market.underlyings.firstIndex(where: { $0.symbol == coin }),
                      job.margin.collateral == .portfolio else {
                    throw EngineError(.invalidJob, "account '\(account.id)': margin currency \(coin) must be an underlying, under the portfolio collateral convention")
                }
                coinMargins.append(TileEvaluator.CoinMargin(account: equity.count, process: process, value: marketValue,
                                                            spot: job.market.underlyings[process].spot))
            }
            holdings.append(PositionMatrix.row(combining: entries))
            equity.append(value)
        }
        self.equity = equity
        self.accountStarts = accountStarts
        if let rank = instrumentRank {
            let order = pricers.indices.sorted {
                (rank[pricers[$0].instrument.name] ?? Int.max, $0) < (rank[pricers[$1].instrument.name] ?? Int.max, $1)
            }
            var moved = [Int](repeating: 0, count: order.count)
            for (new, old) in order.enumerated() { moved[old] = new }
            pricers = order.map { pricers[$0] }
            holdings = holdings.map { row in row.map { (moved[$0.instrument], $0.quantity) }.sorted { $0.instrument < $1.instrument } }
        }
        let positions = PositionMatrix(rows: holdings, instrumentCount: pricers.count, mode: job.aggregation)
        /// An evaluator of this book; the lookback floor's has its own factors and market.
        func evaluator(_ generator: ScenarioGenerator, factors: [RiskFactor] = factors,
                       market: MarketData = job.market) -> TileEvaluator {
            TileEvaluator(generator: generator, factors: factors, market: market, horizonYears: job.horizonYears,
                          instruments: pricers, positions: positions, coinMargins: coinMargins)
        }
        func attach(_ index: Int, _ evaluator: TileEvaluator) -> TileEvaluator {
            index < stores.count ? evaluator.reading(stores[index]) : evaluator
        }
        self.evaluator = attach(0, evaluator(generator))
        var dependenceEvaluators: [TileEvaluator] = []
        if job.dependence != nil {
            guard historical == nil else {
                throw EngineError(.invalidJob, "the dependence stress changes a correlation matrix; fhs takes the dependence from history (use a parametric model)")
            }
            for variant in DependenceStress.Variant.allCases {
                let stressed = try Self.factor(named: variant.name) { () throws(NumericsError) in
                    try CorrelationFactor(try DependenceStress.correlation(variant, base: correlation, factors: factors))
                }
                dependenceEvaluators.append(attach(1 + dependenceEvaluators.count, evaluator(ScenarioGenerator(
                    seed: job.seed, correlationFactor: stressed.factor, model: job.model, steps: job.steps))))
            }
        }
        self.dependenceEvaluators = dependenceEvaluators
        if let floor = job.lookbackFloor {
            guard historical == nil else {
                throw EngineError(.invalidJob, "the lookback floor re-estimates a parametric model's vols; fhs replays history as it was")
            }
            let floorMarket = try floor.market(from: job.market)
            let floorFactors = EngineJob.factors(of: floorMarket)
            let floorFull = try Self.fullCorrelation(factors: floorFactors, listed: floor.correlation)
            let floorCorrelation = try Self.factor(named: "lookback floor") { () throws(NumericsError) in
                try CorrelationFactor(floorFull)
            }
            self.floorEvaluator = attach(1 + dependenceEvaluators.count, evaluator(
                ScenarioGenerator(seed: job.seed, correlationFactor: floorCorrelation.factor, model: job.model, steps: job.steps),
                factors: floorFactors, market: floorMarket))
        } else {
            self.floorEvaluator = nil
        }
        self.tailCapacity = TailEstimate.requiredTailLength(
            scenarios: job.scenarios, confidences: job.confidences + (job.dependence.map { [$0.confidence] } ?? []))
        self.chunks = ChunkPlan(scenarios: job.scenarios, chunkSize: job.chunkSize)

        // Histogram bins from a pilot: the first tile, a pure function of the job.
        let rows = TileRows(evaluators: [self.evaluator] + dependenceEvaluators + (floorEvaluator.map { [$0] } ?? []),
                            accounts: job.accounts.count)
        rows.evaluate(tileStart: 0)
        let width = ScenarioTile.size
        self.histogramLayouts = (0..<rows.count).map { row in
            let profits = UnsafeBufferPointer(start: rows.profits(row), count: width)
            return LossHistogram.Layout(pilotLosses: profits.map { -$0 }.filter(\.isFinite))
        }
    }

    /// Every evaluator of a tile, in loss-row order: the base, the dependence stress's,
    /// then the lookback floor's.
    public var evaluators: [TileEvaluator] { [evaluator] + dependenceEvaluators + (floorEvaluator.map { [$0] } ?? []) }

    /// The loss distributions a chunk summarises: each account under each evaluator,
    /// evaluator-major (row v A + account).
    public var lossRowCount: Int { job.accounts.count * evaluators.count }

    /// The loss row of `account` under the lookback floor's scenarios; nil without one.
    public func floorRow(of account: Int) -> Int? {
        floorEvaluator.map { _ in (1 + dependenceEvaluators.count) * job.accounts.count + account }
    }

    /// What a loss row is, for messages: "" for an account's own scenarios.
    func rowQualifier(_ row: Int) -> String {
        let evaluator = row / Swift.max(1, job.accounts.count)
        if evaluator == 0 { return "" }
        if evaluator <= dependenceEvaluators.count {
            return " under the \(DependenceStress.Variant.allCases[evaluator - 1].name)"
        }
        return " under the lookback floor's scenarios"
    }

    /// A correlation factor, its numerical failure named after what it factors.
    static func factor(named what: String,
                       _ make: () throws(NumericsError) -> CorrelationFactor) throws(EngineError) -> CorrelationFactor {
        do {
            return try make()
        } catch {
            throw EngineError(.numerics, "\(what): \(error.message)")
        }
    }

    /// The rules on sizes and ranges every job must meet.
    public static func check(_ job: EngineJob) throws(EngineError) {
        guard job.scenarios > 0 else { throw EngineError(.invalidJob, "scenarios must be positive") }
        guard job.chunkSize > 0 else { throw EngineError(.invalidJob, "chunk_size must be positive") }
        guard job.horizonDays > 0, job.horizonDays.isFinite else {
            throw EngineError(.invalidJob, "horizon_days must be positive")
        }
        guard !job.confidences.isEmpty, job.confidences.allSatisfy({ $0 > 0 && $0 < 1 }) else {
            throw EngineError(.invalidJob, "confidence levels must be in (0, 1)")
        }
        guard !job.accounts.isEmpty else { throw EngineError(.invalidJob, "a job needs at least one account") }
        guard job.steps >= 1, job.steps <= EngineJob.maxDrawsPerScenario else {
            throw EngineError(.invalidJob, "paths.steps must be in 1...\(EngineJob.maxDrawsPerScenario), got \(job.steps)")
        }
        if case .studentT(let dof, let tailCap) = job.model {
            guard dof > 2 && dof.isFinite else { throw EngineError(.invalidJob, "student_t needs dof > 2, got \(dof)") }
            guard tailCap >= 1e-12 && tailCap <= 0.01 else {
                throw EngineError(.invalidJob, "student_t tail_cap must be in [1e-12, 0.01], got \(tailCap)")
            }
        }
        if case .filteredHistorical(let history) = job.model {
            guard job.correlation == nil else {
                throw EngineError(.invalidJob, "fhs takes the dependence of the factors from history; remove market.correlation")
            }
            guard Double(history.horizonDays) == job.horizonDays else {
                throw EngineError(.invalidJob, "fhs blocks of \(history.horizonDays) days do not match horizon_days \(job.horizonDays)")
            }
            guard history.horizonDays % job.steps == 0 else {
                throw EngineError(.invalidJob, "fhs replays whole days: paths.steps \(job.steps) must divide horizon_days \(history.horizonDays)")
            }
        }
        if let dependence = job.dependence, !(dependence.confidence > 0 && dependence.confidence < 1) {
            throw EngineError(.invalidJob, "the dependence stress's confidence must be in (0, 1), got \(dependence.confidence)")
        }
        for (currency, haircut) in job.haircuts where !(haircut >= 0 && haircut < 1) {
            throw EngineError(.invalidJob, "haircut for \(currency) must be in [0, 1), got \(haircut)")
        }
    }

    /// The listed correlation placed into the identity over all factors.
    public static func fullCorrelation(factors: [RiskFactor], listed: EngineJob.FactorCorrelation?) throws(EngineError) -> CorrelationMatrix {
        var full = DenseMatrix.identity(factors.count)
        if let listed {
            let positions = try listed.factors.map { name throws(EngineError) -> Int in
                guard let position = factors.firstIndex(where: { $0.name == name }) else {
                    throw EngineError(.invalidJob, "correlation factor '\(name)' is not a factor of this market (factors: \(factors.map(\.name).joined(separator: ", ")))")
                }
                return position
            }
            for (i, pi) in positions.enumerated() {
                for (j, pj) in positions.enumerated() { full[pi, pj] = listed.matrix.matrix[i, j] }
            }
        }
        do {
            return try CorrelationMatrix(validating: full)
        } catch {
            throw EngineError(.numerics, "factor correlation: \(error.message)")
        }
    }
}
