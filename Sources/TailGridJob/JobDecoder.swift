import Foundation
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
    }

    let file: String

    init(file: String) {
        self.file = file
    }

    mutating func decode(_ root: YAMLField) throws(JobError) -> Decoded {
        let top = try root.mapping(allowed: JobFile.topLevelKeys)
        let nameField = try top.required("job")
        let name = try nameField.string()
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }), !name.hasPrefix(".") else {
            throw nameField.error("expected a name of letters, digits, '.', '_' and '-' (it names the output folder), got '\(name)'")
        }
        let valuationTime = try Self.timestamp(try top.required("valuation_time"))
        let seed = try top.required("seed").unsigned64()
        let scenariosField = try top.required("scenarios")
        let scenarios = try scenariosField.integer()
        guard scenarios >= 1, scenarios <= JobFile.maxScenarios else {
            throw scenariosField.error("expected a whole number from 1 to \(JobFile.maxScenarios), got \(scenarios)")
        }
        let horizonDays = try top.required("horizon_days").double(in: 0...365, open: true, "a number of days in (0, 365)")
        let (confidences, labels) = try Self.confidences(try top.required("confidence"), scenarios: scenarios)
        var chunkSize = ChunkPlan.defaultChunkSize
        if let field = top.optional("chunk_size") {
            chunkSize = try field.integer()
            guard chunkSize >= 1, chunkSize <= JobFile.maxChunkSize else {
                throw field.error("expected a whole number from 1 to \(JobFile.maxChunkSize), got \(chunkSize)")
            }
        }
        let model = try top.optional("model").map { field throws(JobError) in try Self.model(field) } ?? .gaussian
        let marketField = try top.required("market")
        let (market, correlation) = try Self.market(marketField, valuationTime: valuationTime)
        let haircuts = try top.optional("collateral_haircuts").map { field throws(JobError) in
            try Self.haircuts(field)
        } ?? [:]
        let margin = try top.optional("margin").map { field throws(JobError) in try Self.margin(field) } ?? MarginPolicy()
        var aggregation = PositionMatrix.Mode.automatic
        if let field = top.optional("aggregation") {
            let text = try field.string()
            guard let mode = PositionMatrix.Mode(rawValue: text) else {
                throw field.error("expected automatic, dense or sparse, got '\(text)'")
            }
            aggregation = mode
        }
        let positionsFile = try top.optional("positions_file").map { field throws(JobError) in (try field.string(), field) }
        let accountsField = try top.required("accounts")
        let accounts = try Self.accounts(accountsField, market: market, haircuts: haircuts)
        guard !accounts.isEmpty else { throw accountsField.error("expected at least one account") }

        let job = EngineJob(
            name: name, seed: seed, scenarios: scenarios, horizonDays: horizonDays, confidences: confidences,
            chunkSize: chunkSize, model: model, market: market, correlation: correlation, haircuts: haircuts,
            accounts: accounts, margin: margin, aggregation: aggregation)
        return Decoded(job: job, confidenceLabels: labels, positionsFile: positionsFile, accounts: accounts, market: market)
    }

    // MARK: Fields

    static func timestamp(_ field: YAMLField) throws(JobError) -> Date {
        let text = try field.string()
        if let offset = JobLimits.zoneOffsetMinutes(text), abs(offset) > 14 * 60 {
            throw field.error("the zone offset of '\(text)' is beyond +-14:00")
        }
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

    static func model(_ field: YAMLField) throws(JobError) -> ScenarioModel {
        let mapping = try field.mapping(allowed: ["kind", "dof"])
        let kindField = try mapping.required("kind")
        switch try kindField.string() {
        case "gaussian":
            if let dof = mapping.optional("dof") { throw dof.error("dof applies to kind: student_t only") }
            return .gaussian
        case "student_t":
            let dof = try mapping.required("dof").double(in: 2...1000, open: true, "degrees of freedom in (2, 1000)")
            return .studentT(degreesOfFreedom: dof)
        case let other:
            throw kindField.error("expected gaussian or student_t, got '\(other)'")
        }
    }

    static func market(_ field: YAMLField, valuationTime: Date) throws(JobError) -> (MarketData, EngineJob.FactorCorrelation?) {
        let mapping = try field.mapping(allowed: ["rate", "underlyings", "correlation"])
        let rate = try mapping.optional("rate")?.double(in: -1...1, open: true, "a rate in (-1, 1), like 0.05") ?? 0
        let underlyingsField = try mapping.required("underlyings")
        var underlyings: [Underlying] = []
        for (symbol, entry) in try underlyingsField.anyMapping().entries {
            guard Instrument.isSymbol(symbol) else {
                throw entry.error("'\(symbol)' is not a coin symbol (upper-case letters and digits)")
            }
            guard !MarketData.stablecoins.contains(symbol) else {
                throw entry.error("\(symbol) is valued at 1 USD and cannot be an underlying")
            }
            underlyings.append(try underlying(symbol, entry))
        }
        guard !underlyings.isEmpty else { throw underlyingsField.error("expected at least one underlying") }
        let market: MarketData
        do {
            market = try MarketData(valuationTime: valuationTime, rate: rate, underlyings: underlyings)
        } catch {
            throw field.error(error.message)
        }
        let correlation = try mapping.optional("correlation").map { field throws(JobError) in
            try Self.correlation(field, market: market)
        }
        return (market, correlation)
    }

    static func underlying(_ symbol: String, _ field: YAMLField) throws(JobError) -> Underlying {
        let mapping = try field.mapping(allowed: ["spot", "vol", "vol_of_vol", "carry", "vol_surface"])
        let spot = try mapping.required("spot").double(in: 0...JobLimits.maxSpot, open: true,
                                                        "a positive USD price below \(JobLimits.maxSpot)")
        let vol = try mapping.required("vol").double(in: 0...20, open: true, "an annualised vol in (0, 20), like 0.55")
        let volOfVol = try mapping.optional("vol_of_vol")?.double(in: 0...50.0.nextDown, "an annualised vol of vol in [0, 50)")
        let carry = try mapping.optional("carry")?.double(in: -10...10, open: true, "an annualised carry in (-10, 10)") ?? 0
        let surface = try mapping.optional("vol_surface").map { field throws(JobError) in try volSurface(field) }
        do {
            return try Underlying(symbol: symbol, spot: spot, vol: vol, volOfVol: volOfVol, carry: carry, surface: surface)
        } catch {
            throw field.error(error.message)
        }
    }

    static func volSurface(_ field: YAMLField) throws(JobError) -> VolSurface {
        let mapping = try field.mapping(allowed: ["expiries_days", "log_moneyness", "vols"])
        let expiries = try mapping.required("expiries_days").sequence().map { element throws(JobError) in
            try element.double(in: 0...36_500, open: true, "a positive number of days")
        }
        let moneyness = try mapping.required("log_moneyness").sequence().map { element throws(JobError) in
            try element.double(in: -10...10, "a log-moneyness ln(K/F) in [-10, 10]")
        }
        let vols = try mapping.required("vols").sequence().map { row throws(JobError) in
            try row.sequence().map { element throws(JobError) in
                try element.double(in: 0...20, open: true, "a vol in (0, 20)")
            }
        }
        do {
            return try VolSurface(expiries: expiries.map { $0 / 365 }, logMoneyness: moneyness, vols: vols)
        } catch {
            throw field.error(error.message)
        }
    }

    static func correlation(_ field: YAMLField, market: MarketData) throws(JobError) -> EngineJob.FactorCorrelation {
        let mapping = try field.mapping(allowed: ["factors", "matrix", "repair"])
        let known = EngineJob.factors(of: market).map(\.name)
        let factorsField = try mapping.required("factors")
        var factors: [String] = []
        for element in try factorsField.sequence() {
            let name = try element.string()
            guard known.contains(name) else {
                let hint = name.hasSuffix(".vol") ? " (a .vol factor needs vol_of_vol on its underlying)" : ""
                throw element.error("'\(name)' is not a factor of this market\(hint); factors: \(known.joined(separator: ", "))")
            }
            guard !factors.contains(name) else { throw element.error("factor '\(name)' is listed twice") }
            factors.append(name)
        }
        guard !factors.isEmpty else { throw factorsField.error("expected at least one factor") }
        let matrixField = try mapping.required("matrix")
        let rows = try matrixField.sequence()
        guard rows.count == factors.count else {
            throw matrixField.error("expected \(factors.count) rows (one per factor), got \(rows.count)")
        }
        var storage: [Double] = []
        for row in rows {
            let entries = try row.sequence()
            guard entries.count == factors.count else {
                throw row.error("expected \(factors.count) entries (one per factor), got \(entries.count)")
            }
            for entry in entries { storage.append(try entry.double()) }
        }
        let matrix = DenseMatrix(rows: factors.count, columns: factors.count, storage: storage)
        var repair = "none"
        if let repairField = mapping.optional("repair") {
            repair = try repairField.string()
            guard repair == "none" || repair == "nearest" else {
                throw repairField.error("expected none or nearest, got '\(repair)'")
            }
        }
        func describe(_ error: NumericsError) -> String {
            // Name the factors behind matrix indices.
            var message = error.message
            for (index, name) in factors.enumerated().reversed() {
                message = message.replacingOccurrences(of: "[\(index)]", with: "[\(index): \(name)]")
            }
            return message
        }
        do {
            if repair == "nearest" {
                let repaired = try NearestCorrelation(repairing: matrix)
                return EngineJob.FactorCorrelation(factors: factors, matrix: repaired.repaired,
                                                   repairDistance: repaired.distance)
            }
            return EngineJob.FactorCorrelation(factors: factors, matrix: try CorrelationMatrix(validating: matrix))
        } catch {
            let advice = error.code == .notPositiveSemidefinite ? " (set repair: nearest to use the nearest correlation matrix)" : ""
            throw matrixField.error(describe(error) + advice)
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

    static func margin(_ field: YAMLField) throws(JobError) -> MarginPolicy {
        let mapping = try field.mapping(allowed: ["measure", "maintenance_ratio"])
        var measure = MarginPolicy.Measure.es
        if let measureField = mapping.optional("measure") {
            let text = try measureField.string()
            guard let parsed = MarginPolicy.Measure(rawValue: text) else {
                throw measureField.error("expected es or var, got '\(text)'")
            }
            measure = parsed
        }
        let ratio = try mapping.optional("maintenance_ratio")?.double(in: 0...1, "a ratio in (0, 1], like 0.8")
            ?? MarginPolicy.defaultMaintenanceRatio
        guard ratio > 0 else { throw mapping.optional("maintenance_ratio")!.error("expected a ratio in (0, 1], got 0") }
        return MarginPolicy(measure: measure, maintenanceRatio: ratio)
    }

    static func accounts(_ field: YAMLField, market: MarketData, haircuts: [String: Double]) throws(JobError) -> [Account] {
        var accounts: [Account] = []
        var seen: Set<String> = []
        for element in try field.sequence() {
            let mapping = try element.mapping(allowed: ["id", "collateral", "positions"])
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
            accounts.append(Account(id: id, collateral: collateral, positions: positions))
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
        guard market.underlying(instrument.underlying) != nil else {
            throw fail("underlying '\(instrument.underlying)' of '\(name)' is not in market.underlyings")
        }
        if let expiry = instrument.expiry, expiry <= market.valuationTime {
            throw fail("'\(name)' expired at \(ISO8601DateFormatter().string(from: expiry)), before valuation_time")
        }
        return instrument
    }
}
