import Foundation
import TailGridCalibration
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// The `market:` block (or the `market_file` holding it): rate, underlyings, their
/// correlation and an optional calibration from price history.
extension JobDecoder {
    struct DecodedMarket {
        var market: MarketData
        var correlation: EngineJob.FactorCorrelation?
        var calibration: DecodedCalibration?
        /// The lookback floor's vols and correlation, when `margin.apc` asks for one.
        var floor: LookbackFloor? = nil
    }

    /// `field` is the market mapping, in the job file or in its own file.
    func market(_ field: YAMLField, valuationTime: Date, dataDirectory: String?,
                historical: Bool, stressed: StressedSpec? = nil, floorLookbackDays: Int? = nil) throws(JobError) -> DecodedMarket {
        let mapping = try field.mapping(allowed: ["rate", "underlyings", "stablecoins", "correlation", "calibration"])
        let rate = try mapping.optional("rate")?.double(in: -1...1, open: true, "a rate in (-1, 1), like 0.05") ?? 0
        let underlyingsField = try mapping.required("underlyings")
        var underlyings: [Underlying] = []
        var explicitScenarioVol: Set<String> = []
        for (symbol, entry) in try underlyingsField.anyMapping().entries {
            guard Instrument.isSymbol(symbol) else {
                throw entry.error("'\(symbol)' is not a coin symbol (upper-case letters and digits)")
            }
            guard !MarketData.stablecoins.contains(symbol) else {
                throw entry.error("\(symbol) is valued at 1 USD and cannot be an underlying")
            }
            let underlying = try Self.underlying(symbol, entry)
            if underlying.scenarioVol != nil { explicitScenarioVol.insert(symbol) }
            underlyings.append(underlying)
        }
        guard !underlyings.isEmpty else { throw underlyingsField.error("expected at least one underlying") }
        let calibration = try mapping.optional("calibration").map { calibrationField throws(JobError) in
            try self.calibration(calibrationField, symbols: underlyings.map(\.symbol), valuationTime: valuationTime,
                                 dataDirectory: dataDirectory, stressed: stressed, floorLookbackDays: floorLookbackDays)
        }
        if let calibration {
            // The calibrated vol moves the spot factor unless scenario_vol says otherwise.
            for (index, underlying) in underlyings.enumerated() {
                guard !explicitScenarioVol.contains(underlying.symbol),
                      let vol = calibration.calibration.vol(of: underlying.symbol) else { continue }
                do {
                    underlyings[index] = try underlying.withScenarioVol(vol)
                } catch {
                    throw calibration.field.error("the calibrated vol of \(underlying.symbol): \(error.message)")
                }
            }
        }
        var stablecoins: [Stablecoin] = []
        if let stablecoinsField = mapping.optional("stablecoins") {
            for (symbol, entry) in try stablecoinsField.anyMapping().entries {
                guard Stablecoin.symbols.contains(symbol) else {
                    throw entry.error("'\(symbol)' is not a stablecoin that may depeg; expected USDC or USDT")
                }
                let depegVol = try entry.mapping(allowed: ["depeg_vol"]).required("depeg_vol")
                    .double(in: 0...5.0.nextDown, "an annualised vol of the coin's USD price in [0, 5), like 0.05")
                do {
                    stablecoins.append(try Stablecoin(symbol: symbol, depegVol: depegVol))
                } catch {
                    throw entry.error(error.message)
                }
            }
        }
        let market: MarketData
        do {
            market = try MarketData(valuationTime: valuationTime, rate: rate, underlyings: underlyings,
                                    stablecoins: stablecoins)
        } catch {
            throw field.error(error.message)
        }
        // Under fhs the dependence comes from the historical blocks, not a matrix.
        let calibrated = historical ? nil : calibration?.calibration
        let correlation = try self.correlation(mapping.optional("correlation"), market: market, calibrated: calibrated,
                                               calibrationField: calibration?.field)
        var decoded = DecodedMarket(market: market, correlation: correlation, calibration: calibration)
        if let calibration, let floor = calibration.floor {
            // The same rules on the lookback: its vols where the job's calibration sets
            // them, listed correlation pairs over its correlation.
            let vols = underlyings.filter { !explicitScenarioVol.contains($0.symbol) }.compactMap { underlying in
                floor.vol(of: underlying.symbol).map { (underlying.symbol, $0) }
            }
            decoded.floor = LookbackFloor(
                scenarioVols: Dictionary(uniqueKeysWithValues: vols),
                correlation: try self.correlation(mapping.optional("correlation"), market: market, calibrated: floor,
                                                  calibrationField: calibration.field),
                lookbackDays: floorLookbackDays ?? floor.days)
        }
        return decoded
    }

    /// The job's correlation: the listed pairs (`market.correlation`) over the calibrated
    /// matrix, the calibrated matrix alone, or none.
    func correlation(_ listed: YAMLField?, market: MarketData, calibrated: Calibration?,
                     calibrationField: YAMLField?) throws(JobError) -> EngineJob.FactorCorrelation? {
        if let listed {
            return try Self.correlation(listed, market: market, calibrated: calibrated)
        }
        guard let calibrated, let calibrationField, calibrated.symbols.count > 1 else { return nil }
        let n = calibrated.symbols.count
        let matrix = DenseMatrix(rows: n, columns: n, storage: calibrated.correlation)
        do {
            return EngineJob.FactorCorrelation(factors: calibrated.symbols, matrix: try CorrelationMatrix(validating: matrix))
        } catch {
            throw calibrationField.error("the calibrated correlation: \(error.message)")
        }
    }

    static func underlying(_ symbol: String, _ field: YAMLField) throws(JobError) -> Underlying {
        let mapping = try field.mapping(allowed: ["spot", "vol", "scenario_vol", "vol_of_vol", "carry", "vol_surface",
                                                  "carry_vol", "skew_vol", "vol_shock_dte_power", "funding"])
        let spot = try mapping.required("spot").double(in: 0...JobLimits.maxSpot, open: true,
                                                        "a positive USD price below \(JobLimits.maxSpot)")
        let vol = try mapping.required("vol").double(in: 0...20, open: true, "an annualised vol in (0, 20), like 0.55")
        let scenarioVol = try mapping.optional("scenario_vol")?.double(in: 0...20, open: true, "an annualised vol in (0, 20), like 0.6")
        let volOfVol = try mapping.optional("vol_of_vol")?.double(in: 0...50.0.nextDown, "an annualised vol of vol in [0, 50)")
        let carry = try mapping.optional("carry")?.double(in: -10...10, open: true, "an annualised carry in (-10, 10)") ?? 0
        let surface = try mapping.optional("vol_surface").map { field throws(JobError) in try volSurface(field) }
        let carryVol = try mapping.optional("carry_vol")?.double(in: 0...10.0.nextDown, "an annualised vol of the carry in [0, 10), like 0.2")
        let skewVol = try mapping.optional("skew_vol")?.double(in: 0...10.0.nextDown, "an annualised vol of the skew in [0, 10) (vol per unit log-moneyness), like 0.3")
        let power = try mapping.optional("vol_shock_dte_power")?.double(in: 0...2, "a power in [0, 2], like 0.5") ?? 0
        let funding = try mapping.optional("funding")?.double(in: -10...10, open: true, "an annualised funding rate in (-10, 10), like 0.1") ?? 0
        do {
            return try Underlying(symbol: symbol, spot: spot, vol: vol, volOfVol: volOfVol, carry: carry, surface: surface,
                                  scenarioVol: scenarioVol, carryVol: carryVol, skewVol: skewVol,
                                  volShockDTEPower: power, funding: funding)
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

    /// The listed correlation (`market.correlation`), with the calibrated spot
    /// correlation under it when there is one: listed pairs override calibrated ones.
    static func correlation(_ field: YAMLField, market: MarketData, calibrated: Calibration?) throws(JobError) -> EngineJob.FactorCorrelation {
        let mapping = try field.mapping(allowed: ["factors", "matrix", "repair"])
        let known = EngineJob.factors(of: market).map(\.name)
        let factorsField = try mapping.required("factors")
        var factors: [String] = []
        for element in try factorsField.sequence() {
            let name = try element.string()
            guard known.contains(name) else {
                let needs = [(".vol.skew", "skew_vol"), (".vol", "vol_of_vol"), (".basis", "carry_vol")]
                let hint = needs.first { name.hasSuffix($0.0) }.map { " (a \($0.0) factor needs \($0.1) on its underlying)" } ?? ""
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
        let listed = DenseMatrix(rows: factors.count, columns: factors.count, storage: storage)
        let (allFactors, matrix) = Self.combined(listedFactors: factors, listed: listed, calibrated: calibrated)
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
            for (index, name) in allFactors.enumerated().reversed() {
                message = message.replacingOccurrences(of: "[\(index)]", with: "[\(index): \(name)]")
            }
            return message
        }
        do {
            if repair == "nearest" {
                let repaired = try NearestCorrelation(repairing: matrix)
                return EngineJob.FactorCorrelation(factors: allFactors, matrix: repaired.repaired,
                                                   repairDistance: repaired.distance)
            }
            return EngineJob.FactorCorrelation(factors: allFactors, matrix: try CorrelationMatrix(validating: matrix))
        } catch {
            let advice = error.code == .notPositiveSemidefinite ? " (set repair: nearest to use the nearest correlation matrix)" : ""
            let together = calibrated == nil ? "" : " together with the calibrated correlation of \(calibrated!.symbols.joined(separator: ", "))"
            throw matrixField.error(describe(error) + together + advice)
        }
    }

    /// The union of calibrated spot factors and listed factors, calibrated correlations
    /// first, listed ones written over them.
    static func combined(listedFactors: [String], listed: DenseMatrix, calibrated: Calibration?) -> ([String], DenseMatrix) {
        guard let calibrated else { return (listedFactors, listed) }
        var factors = calibrated.symbols
        for name in listedFactors where !factors.contains(name) { factors.append(name) }
        var matrix = DenseMatrix.identity(factors.count)
        let n = calibrated.symbols.count
        for i in 0..<n {
            for j in 0..<n { matrix[i, j] = calibrated.correlation[i * n + j] }
        }
        let positions = listedFactors.map { factors.firstIndex(of: $0)! }
        for (i, pi) in positions.enumerated() {
            for (j, pj) in positions.enumerated() { matrix[pi, pj] = listed[i, j] }
        }
        return (factors, matrix)
    }

}
