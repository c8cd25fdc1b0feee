import Foundation
import TailGridCalibration
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// Turns the YAML tree of a job file into an engine job, field by field.
struct JobDecoder {
    struct Decoded {
        var job: EngineJob
        var confidenceLabels: [String]
        var positionsFile: (value: String, field: YAMLField)?
        var accounts: [Account]
        var market: MarketData
        var calibration: CalibrationReport?
        var previous: PreviousResult?
        /// The market instruments are checked against (expired, known underlying): the
        /// written valuation time, even when a backtest re-dates the job.
        var instrumentMarket: MarketData
        /// A backtest's rebase of the book and what re-dating found; nil otherwise.
        var rebase: BookRebase?
        var backtest: BacktestDay.Outcome?
    }

    /// The model as written, before the market (fhs needs the calibration window).
    enum ModelSpec {
        case parametric(ScenarioModel)
        case filteredHistorical(lookbackDays: Int?, lambda: Double, field: YAMLField)
    }

    let file: String
    /// Reads a file the job refers to (market file, price files).
    let readInput: (JobInputRequest) throws(JobError) -> Data
    /// Set for a backtest: the job re-dated to that day (`BacktestDay`).
    let backtestDay: BacktestDay?

    init(file: String, backtestDay: BacktestDay? = nil, readInput: @escaping (JobInputRequest) throws(JobError) -> Data) {
        self.file = file
        self.backtestDay = backtestDay
        self.readInput = readInput
    }

    mutating func decode(_ root: YAMLField) throws(JobError) -> Decoded {
        let top = try root.mapping(allowed: JobFile.topLevelKeys)
        let nameField = try top.required("job")
        let name = try nameField.string()
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }), !name.hasPrefix(".") else {
            throw nameField.error("expected a name of letters, digits, '.', '_' and '-' (it names the output folder), got '\(name)'")
        }
        let writtenValuationTime = try Self.timestamp(try top.required("valuation_time"))
        let valuationTime = backtestDay?.valuationTime(redating: writtenValuationTime) ?? writtenValuationTime
        let seed = try top.required("seed").unsigned64()
        let scenariosField = try top.required("scenarios")
        let scenarios = try scenariosField.integer(in: 1...JobFile.maxScenarios)
        let horizonDays = try top.required("horizon_days").double(in: 0...365, open: true, "a number of days in (0, 365)")
        let (confidences, labels) = try Self.confidences(try top.required("confidence"), scenarios: scenarios)
        var chunkSize = ChunkPlan.defaultChunkSize
        if let field = top.optional("chunk_size") {
            chunkSize = try field.integer(in: 1...JobFile.maxChunkSize)
        }
        let modelSpec = try top.optional("model").map { field throws(JobError) in try Self.model(field) } ?? .parametric(.gaussian)
        let pathsField = top.optional("paths")
        let stepsField = try pathsField.map { field throws(JobError) in try field.mapping(allowed: ["steps"]).required("steps") }
        let steps = try stepsField?.integer(in: 1...JobFile.maxPathSteps) ?? 1
        let dataDirectory = try top.optional("data_dir")?.string()
        let marketField: YAMLField
        if let marketFileField = top.optional("market_file") {
            if let inline = top.optional("market") {
                throw inline.error("the job names market_file; give the market in one place, not both")
            }
            let reference = try marketFileField.string()
            let bytes = try readInput(JobInputRequest(kind: .market, reference: reference, field: marketFileField,
                                                      dataDirectory: dataDirectory))
            let root = try JobFile.compose(bytes, file: reference, what: "the market block as a YAML mapping (rate, underlyings, ...)")
            marketField = YAMLField(node: root, path: "", file: reference)
        } else {
            marketField = try top.required("market")
        }
        var historical = false
        if case .filteredHistorical = modelSpec { historical = true }
        // margin.apc's stressed weighting and lookback floor act on the calibration: read it first.
        var stressed: StressedSpec?
        var floorLookbackDays: Int?
        var calibrationTool: (field: YAMLField, underFHS: String, withoutCalibration: String)?
        switch try Self.antiProcyclicality(top: top) {
        case .stressedWeight(let weight, let period, let field):
            stressed = StressedSpec(weight: weight, period: period, field: field)
            calibrationTool = (field, "stressed_weight re-weights the covariance of a parametric model",
                               "stressed_weight re-weights a calibration from price history")
        case .lookbackFloor(let days, let field):
            floorLookbackDays = days
            calibrationTool = (field, "lookback_floor re-estimates the vols of a parametric model",
                               "lookback_floor estimates vols from price history")
        case .buffer, nil:
            break
        }
        if let calibrationTool {
            if historical {
                throw calibrationTool.field.error("\(calibrationTool.underFHS); kind: fhs replays history as it was (use method: buffer)")
            }
            if (try marketField.mapping(allowed: ["rate", "underlyings", "stablecoins", "correlation", "calibration"])).optional("calibration") == nil {
                throw calibrationTool.field.error("\(calibrationTool.withoutCalibration); the market has no calibration")
            }
        }
        let decodedMarket = try market(marketField, valuationTime: valuationTime, dataDirectory: dataDirectory,
                                       historical: historical, stressed: stressed, floorLookbackDays: floorLookbackDays)
        var market = decodedMarket.market
        var instrumentMarket = market
        var redated: (rebase: BookRebase, outcome: BacktestDay.Outcome)?
        if let backtestDay {
            redated = try Self.redate(&market, to: backtestDay, calibration: decodedMarket.calibration?.prices,
                                      written: writtenValuationTime, horizonDays: horizonDays, field: marketField, horizonField: try top.required("horizon_days"))
            do {
                instrumentMarket = try MarketData(valuationTime: writtenValuationTime, rate: market.rate,
                                                  underlyings: market.underlyings, stablecoins: market.stablecoins)
            } catch {
                throw marketField.error(error.message)
            }
        }
        let factorCount = EngineJob.factors(of: market).count
        if let stepsField, factorCount * steps > EngineJob.maxDrawsPerScenario {
            throw stepsField.error("\(factorCount) factors x \(steps) steps is \(factorCount * steps) draws per scenario; at most \(EngineJob.maxDrawsPerScenario)")
        }
        let correlation = decodedMarket.correlation
        var calibrationReport = decodedMarket.calibration?.report
        let model: ScenarioModel
        switch modelSpec {
        case .parametric(let parametric):
            model = parametric
        case .filteredHistorical(let lookback, let lambda, let field):
            guard let calibration = decodedMarket.calibration else {
                throw field.error("kind: fhs needs market.calibration with a price file for every underlying")
            }
            let missing = market.underlyings.map(\.symbol).filter { !calibration.window.symbols.contains($0) }
            guard missing.isEmpty else {
                throw field.error("kind: fhs needs a price file for every underlying; market.calibration.prices has none for \(missing.joined(separator: ", "))")
            }
            guard horizonDays.rounded() == horizonDays else {
                throw field.error("kind: fhs replays whole days; horizon_days must be a whole number, got \(horizonDays)")
            }
            if let stepsField, Int(horizonDays) % steps != 0 {
                throw stepsField.error("kind: fhs replays whole days; steps \(steps) must divide horizon_days \(Int(horizonDays))")
            }
            let history: FilteredHistory
            do {
                history = try FilteredHistory(window: calibration.window, lambda: lambda, horizonDays: Int(horizonDays),
                                              lookbackDays: lookback ?? calibration.window.days)
            } catch {
                throw field.error(error.message)
            }
            model = .filteredHistorical(history)
            calibrationReport?.fhs = CalibrationReport.FilteredHistorical(
                lookbackDays: history.lookbackDays, lambda: history.lambda, blocks: history.blockCount,
                blockStarts: [CalendarDay.text(history.firstBlockDay), CalendarDay.text(history.firstBlockDay + history.blockCount - 1)],
                currentVols: Dictionary(uniqueKeysWithValues: zip(history.symbols, history.currentVols)))
        }
        let haircuts = try top.optional("collateral_haircuts").map { field throws(JobError) in
            try Self.haircuts(field)
        } ?? [:]
        let margin = try top.optional("margin").map { field throws(JobError) in
            try self.margin(field, context: MarginContext(market: market, valuationTime: valuationTime,
                                                          calibrationPrices: decodedMarket.calibration?.prices,
                                                          dataDirectory: dataDirectory))
        } ?? MarginPolicy()
        let aggregation = try top.optional("aggregation")?.choice(PositionMatrix.Mode.self) ?? .automatic
        // A backtest tests the scenario model: no previous result, no stress (below).
        let previous = backtestDay != nil ? nil : try top.optional("previous_result").map { field throws(JobError) in
            let reference = try field.string()
            let bytes = try readInput(JobInputRequest(kind: .previousResult, reference: reference, field: field,
                                                      dataDirectory: dataDirectory))
            return try PreviousResult.decode(bytes, file: reference)
        }
        let positionsFile = try top.optional("positions_file").map { field throws(JobError) in (try field.string(), field) }
        let accountsField = try top.required("accounts")
        let accounts = try Self.accounts(accountsField, market: instrumentMarket, haircuts: haircuts, convention: margin.collateral)
        guard !accounts.isEmpty else { throw accountsField.error("expected at least one account") }

        let stress = backtestDay != nil ? DecodedStress() : try top.optional("stress").map { field throws(JobError) in
            try self.stress(field, context: StressContext(market: market, horizonDays: horizonDays, valuationTime: valuationTime,
                                                          calibrationPrices: decodedMarket.calibration?.prices,
                                                          dataDirectory: dataDirectory, historicalModel: historical))
        } ?? DecodedStress()

        var job = EngineJob(
            name: name, seed: seed, scenarios: scenarios, horizonDays: horizonDays, confidences: confidences,
            chunkSize: chunkSize, model: model, market: market, correlation: correlation, haircuts: haircuts,
            accounts: accounts, margin: margin, aggregation: aggregation, steps: steps, stress: stress.test,
            dependence: stress.dependence)
        job.lookbackFloor = decodedMarket.floor
        return Decoded(job: job, confidenceLabels: labels, positionsFile: positionsFile, accounts: accounts, market: market,
                       calibration: calibrationReport, previous: previous, instrumentMarket: instrumentMarket,
                       rebase: redated?.rebase, backtest: redated?.outcome)
    }

    // MARK: Fields

    static func timestamp(_ field: YAMLField) throws(JobError) -> Date {
        let text = try field.string()
        if let offset = JobLimits.zoneOffsetMinutes(text), abs(offset) > 14 * 60 {
            throw field.error("the zone offset of '\(text)' is beyond +-14:00")
        }
        if let date = InternetTimestamp.date(text) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        throw field.error("expected an ISO 8601 time with a zone, like 2025-02-20T08:00:00Z, got '\(text)'")
    }

    static func confidences(_ field: YAMLField, scenarios: Int) throws(JobError) -> ([Double], [String]) {
        let elements: [YAMLField]
        if case .sequence = field.node { elements = try field.sequence() } else { elements = [field] }
        guard !elements.isEmpty else { throw field.error("expected at least one confidence level") }
        var values: [Double] = []
        var labels: [String] = []
        for element in elements {
            let value = try element.double(in: 0...1, open: true, "a confidence level in (0, 1), like 0.99")
            guard !values.contains(value) else { throw element.error("confidence \(value) is listed twice") }
            values.append(value)
            labels.append(try element.string())
        }
        return (values, labels)
    }

    static func model(_ field: YAMLField) throws(JobError) -> ModelSpec {
        let mapping = try field.mapping(allowed: ["kind", "dof", "tail_cap", "lookback_days", "lambda"])
        let kindField = try mapping.required("kind")
        let kind = try kindField.string()
        let keysOfKind: [String: [String]] = ["gaussian": [], "student_t": ["dof", "tail_cap"], "fhs": ["lookback_days", "lambda"]]
        guard let allowed = keysOfKind[kind] else {
            throw kindField.error("expected gaussian, student_t or fhs, got '\(kind)'")
        }
        for (key, extra) in mapping.entries where key != "kind" && !allowed.contains(key) {
            throw extra.error("\(key) does not apply to kind: \(kind)")
        }
        switch kind {
        case "student_t":
            let dof = try mapping.required("dof").double(in: 2...1000, open: true, "degrees of freedom in (2, 1000)")
            let tailCap = try mapping.optional("tail_cap")?.double(in: 1e-12...0.01, "a tail probability in [1e-12, 0.01], like 1e-6")
                ?? StudentTMixing.defaultTailCap
            return .parametric(.studentT(degreesOfFreedom: dof, tailCap: tailCap))
        case "fhs":
            let lookback = try mapping.optional("lookback_days")?.integer(in: Self.lookbackDays)
            let lambda = try mapping.optional("lambda")?.double(in: 0...1, open: true, "a decay in (0, 1), like 0.94") ?? Self.defaultLambda
            return .filteredHistorical(lookbackDays: lookback, lambda: lambda, field: field)
        default:
            return .parametric(.gaussian)
        }
    }

    static func haircuts(_ field: YAMLField) throws(JobError) -> [String: Double] {
        var haircuts: [String: Double] = [:]
        for (currency, entry) in try field.anyMapping().entries {
            haircuts[currency] = try entry.double(in: 0...1, "a haircut in [0, 1), like 0.1")
            guard haircuts[currency]! < 1 else { throw entry.error("expected a haircut in [0, 1), got 1") }
        }
        return haircuts
    }


    static func accounts(_ field: YAMLField, market: MarketData, haircuts: [String: Double],
                         convention: MarginPolicy.Collateral = .portfolio) throws(JobError) -> [Account] {
        var accounts: [Account] = []
        var seen: Set<String> = []
        for element in try field.sequence() {
            let mapping = try element.mapping(allowed: ["id", "collateral", "positions", "margin_currency"])
            let idField = try mapping.required("id")
            let id = try idField.string()
            if let problem = JobLimits.accountIDProblem(id) { throw idField.error(problem) }
            guard seen.insert(id).inserted else { throw idField.error("account id '\(id)' is used twice") }
            var collateral: [Account.Collateral] = []
            if let collateralField = mapping.optional("collateral") {
                for (currency, entry) in try collateralField.anyMapping().entries {
                    let amount = try entry.double()
                    let price: Double
                    do {
                        price = try market.collateralPrice(currency).price
                    } catch {
                        throw entry.error(error.message)
                    }
                    if let problem = JobLimits.collateralProblem(amount: amount, price: price) { throw entry.error(problem) }
                    guard currency == "USD" || haircuts[currency] != nil else {
                        throw entry.error("no haircut for '\(currency)': add it to collateral_haircuts")
                    }
                    collateral.append(Account.Collateral(currency: currency, amount: amount))
                }
            }
            var positions: [Account.Position] = []
            if let positionsField = mapping.optional("positions") {
                for positionField in try positionsField.sequence() {
                    let position = try positionField.mapping(allowed: ["instrument", "quantity"])
                    let instrumentField = try position.required("instrument")
                    let instrument = try Self.instrument(try instrumentField.string(), market: market) { message in
                        instrumentField.error(message)
                    }
                    let quantityField = try position.required("quantity")
                    let quantity = try quantityField.double()
                    if let problem = JobLimits.positionProblem(quantity: quantity, instrument: instrument, market: market) {
                        throw quantityField.error(problem)
                    }
                    positions.append(Account.Position(instrument: instrument, quantity: quantity))
                }
            }
            var marginCoin: String?
            if let currencyField = mapping.optional("margin_currency") {
                let currency = try currencyField.string()
                if currency != "USD" {
                    guard market.underlying(currency) != nil else {
                        throw currencyField.error("expected USD or an underlying of the market (\(market.underlyings.map(\.symbol).joined(separator: ", "))), got '\(JobError.shown(currency))'")
                    }
                    guard convention == .portfolio else {
                        throw currencyField.error("a coin-margined account measures its collateral in the coin as the scenarios move it; it needs margin.collateral: portfolio")
                    }
                    marginCoin = currency
                }
            }
            accounts.append(Account(id: id, collateral: collateral, positions: positions, marginCoin: marginCoin))
        }
        return accounts
    }

    /// Parses an instrument and checks it against the market: known underlying, not expired.
    static func instrument(_ name: String, market: MarketData, fail: (String) -> JobError) throws(JobError) -> Instrument {
        let instrument: Instrument
        do {
            instrument = try Instrument(parsing: name)
        } catch {
            throw fail(error.message)
        }
        try check(instrument, named: name, market: market, fail: fail)
        return instrument
    }

    /// The checks of `instrument(_:market:fail:)` that need the market, of an instrument
    /// parsed already.
    static func check(_ instrument: Instrument, named name: String, market: MarketData,
                      fail: (String) -> JobError) throws(JobError) {
        guard market.underlying(instrument.underlying) != nil else {
            throw fail("underlying '\(instrument.underlying)' of '\(name)' is not in market.underlyings")
        }
        if let expiry = instrument.expiry, expiry <= market.valuationTime {
            throw fail("'\(name)' expired at \(ISO8601DateFormatter().string(from: expiry)), before valuation_time")
        }
    }
}
