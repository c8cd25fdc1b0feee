import Foundation
import TailGridCalibration
import TailGridEngine
import TailGridMarket

/// `stress:`: the scenarios every account is also revalued in, each key optional.
///
/// ```yaml
/// stress:
///   prices: { BTC: BTC-USD.csv }       # historical only; default: market.calibration.prices
///   historical: [2020-03-12, 2022-11-09]           # or { days: [...], vol_jump: 1.5 }
///   grid: { spot_range: 0.16, spot_steps: 8, vol_up: 0.3, vol_down: 0.2, dte_power: 0.5,
///           extended: [-0.66, 5.0], extended_weight: 0.33 }   # missing keys: these
///   hypothetical:
///     - { name: crash, spot: { BTC: -0.4, ETH: -0.5 }, vol: { BTC: 1.5 } }
///   dependence: { confidence: 0.995 }    # ES again under zero and perfect spot correlation
/// ```
extension JobDecoder {
    /// At most this many stress scenarios a job (each is a loss per account in memory).
    static let maxStressScenarios = 1_024

    struct StressContext {
        let market: MarketData
        let horizonDays: Double
        let valuationTime: Date
        let calibrationPrices: PriceHistories?
        let dataDirectory: String?
        /// The model is fhs (no correlation matrix for the dependence stress to change).
        let historicalModel: Bool
    }

    struct DecodedStress {
        var test = StressTest(scenarios: [])
        var dependence: DependenceStress?
    }

    func stress(_ field: YAMLField, context: StressContext) throws(JobError) -> DecodedStress {
        let mapping = try field.mapping(allowed: ["prices", "historical", "grid", "hypothetical", "dependence"])
        var dependence: DependenceStress?
        if let dependenceField = mapping.optional("dependence") {
            guard !context.historicalModel else {
                throw dependenceField.error("the dependence stress changes the correlation matrix; kind: fhs takes the dependence from history (use gaussian or student_t)")
            }
            let confidence = try dependenceField.mapping(allowed: ["confidence"]).required("confidence")
                .double(in: 0...1, open: true, "a confidence level in (0, 1), like 0.995")
            dependence = DependenceStress(confidence: confidence)
        }
        var scenarios: [StressScenario] = []
        var names: Set<String> = []
        func append(_ new: [StressScenario], at field: YAMLField) throws(JobError) {
            for scenario in new {
                guard names.insert(scenario.name).inserted else {
                    throw field.error("a stress scenario named '\(JobError.shown(scenario.name))' appears twice")
                }
            }
            scenarios += new
            guard scenarios.count <= Self.maxStressScenarios else {
                throw field.error("\(scenarios.count) stress scenarios; at most \(Self.maxStressScenarios)")
            }
        }
        if let historical = mapping.optional("historical") {
            try append(try historicalScenarios(historical, prices: mapping.optional("prices"), context: context),
                       at: historical)
        } else if let prices = mapping.optional("prices") {
            throw prices.error("prices are read for historical stress only; add stress.historical or remove them")
        }
        if let grid = mapping.optional("grid") {
            let symbols = context.market.underlyings.map(\.symbol)
            try append(try Self.grid(grid).scenarios(symbols: symbols), at: grid)
        }
        if let hypothetical = mapping.optional("hypothetical") {
            for element in try hypothetical.sequence() {
                try append([try Self.hypothetical(element, market: context.market)], at: element)
            }
        }
        return DecodedStress(test: StressTest(scenarios: scenarios), dependence: dependence)
    }

    /// The actual `horizon_days` move that began on each day: for a day d and horizon h,
    /// r = ln(P(d + h - 1) / P(d - 1)) per underlying, closes from the price files.
    func historicalScenarios(_ field: YAMLField, prices pricesField: YAMLField?,
                             context: StressContext) throws(JobError) -> [StressScenario] {
        var daysField = field
        var volJump: Double?
        if case .mapping = field.node {
            let mapping = try field.mapping(allowed: ["days", "vol_jump"])
            daysField = try mapping.required("days")
            volJump = try mapping.optional("vol_jump")?.double(in: 0...20, open: true, "a multiplier on implied vols in (0, 20), like 1.5")
        }
        guard context.horizonDays.rounded() == context.horizonDays else {
            throw field.error("historical stress replays whole days; horizon_days must be a whole number, got \(context.horizonDays)")
        }
        let horizon = Int(context.horizonDays)
        let symbols = context.market.underlyings.map(\.symbol)
        let prices = try everyUnderlyingsPrices(for: "historical stress", at: field, own: pricesField, ownKey: "stress.prices",
                                                calibration: context.calibrationPrices, symbols: symbols,
                                                dataDirectory: context.dataDirectory)
        let lastKnown = Int((context.valuationTime.timeIntervalSince1970 / 86_400).rounded(.down)) - 1
        var scenarios: [StressScenario] = []
        for dayField in try daysField.sequence() {
            let text = try dayField.string()
            guard let day = CalendarDay.day(text) else {
                throw dayField.error("expected a date like 2020-03-12, got \(dayField.shown)")
            }
            let last = day + horizon - 1
            guard last <= lastKnown else {
                throw dayField.error("the \(horizon)-day move from \(text) ends \(CalendarDay.text(last)), whose close is not known at valuation_time")
            }
            var logReturns: [String: Double] = [:]
            for history in prices.histories {
                guard let start = history.close(on: day - 1), let end = history.close(on: last) else {
                    let file = prices.files[history.symbol] ?? history.symbol
                    throw dayField.error("\(file) has no close for \(CalendarDay.text(day - 1)) or \(CalendarDay.text(last)) (it covers \(CalendarDay.text(history.firstDay)) to \(CalendarDay.text(history.lastDay)))")
                }
                logReturns[history.symbol] = log(end / start)
            }
            let volMoves = volJump.map { jump in Dictionary(uniqueKeysWithValues: symbols.map { ($0, StressScenario.VolMove(multiplier: jump)) }) }
            scenarios.append(StressScenario(name: "historical \(CalendarDay.text(day))", kind: .historical,
                                            logReturns: logReturns, volMoves: volMoves ?? [:]))
        }
        return scenarios
    }

    static func grid(_ field: YAMLField) throws(JobError) -> StressGrid {
        let mapping = try field.mapping(allowed: ["spot_range", "spot_steps", "vol_up", "vol_down", "dte_power",
                                                  "extended", "extended_weight"])
        let defaults = StressGrid.deribit
        var extended = defaults.extended
        if let extendedField = mapping.optional("extended") {
            extended = []
            let elements = try extendedField.sequence()
            guard elements.count <= 100 else { throw extendedField.error("\(elements.count) extended moves; at most 100") }
            for element in elements {
                extended.append(try element.double(in: -1...100, "a relative spot move in (-1, 100], like -0.66"))
                guard extended.last != -1 else { throw element.error("a spot move of -1 leaves no price; expected more than -1") }
            }
        }
        return StressGrid(
            spotRange: try mapping.optional("spot_range")?.double(in: 0.001...0.999, "a relative move in [0.001, 0.999], like 0.16") ?? defaults.spotRange,
            spotSteps: try mapping.optional("spot_steps")?.integer(in: 1...100) ?? defaults.spotSteps,
            volUp: try mapping.optional("vol_up")?.double(in: 0...10, "a relative vol move in [0, 10], like 0.3") ?? defaults.volUp,
            volDown: try mapping.optional("vol_down")?.double(in: 0...1, "a relative vol move in [0, 1], like 0.2") ?? defaults.volDown,
            dtePower: try mapping.optional("dte_power")?.double(in: 0...2, "a power in [0, 2], like 0.5") ?? defaults.dtePower,
            extended: extended,
            extendedWeight: try mapping.optional("extended_weight")?.double(in: 0...1, "a weight in [0, 1], like 0.33") ?? defaults.extendedWeight)
    }

    static func hypothetical(_ field: YAMLField, market: MarketData) throws(JobError) -> StressScenario {
        let mapping = try field.mapping(allowed: ["name", "spot", "vol"])
        let nameField = try mapping.required("name")
        let name = try nameField.string()
        guard !name.isEmpty, name.count <= 100, name.unicodeScalars.allSatisfy({ $0.properties.generalCategory != .control }) else {
            throw nameField.error("expected a name of 1 to 100 characters without control characters, got \(nameField.shown)")
        }
        var logReturns: [String: Double] = [:]
        if let spot = mapping.optional("spot") {
            let coins = market.underlyings.map(\.symbol) + market.stablecoins.map(\.symbol)
            for (symbol, entry) in try spot.anyMapping().entries {
                guard coins.contains(symbol) else {
                    throw entry.error("'\(JobError.shown(symbol))' is not an underlying or depegging stablecoin of the market (\(coins.joined(separator: ", ")))")
                }
                let move = try entry.double(in: -1...100, "a relative spot move in (-1, 100], like -0.4")
                guard move > -1 else { throw entry.error("a spot move of -1 leaves no price; expected more than -1") }
                logReturns[symbol] = log1p(move)
            }
        }
        var volMoves: [String: StressScenario.VolMove] = [:]
        if let vol = mapping.optional("vol") {
            let symbols = market.underlyings.map(\.symbol)
            for (symbol, entry) in try vol.anyMapping().entries {
                guard symbols.contains(symbol) else {
                    throw entry.error("'\(JobError.shown(symbol))' is not in market.underlyings (\(symbols.joined(separator: ", ")))")
                }
                volMoves[symbol] = StressScenario.VolMove(
                    multiplier: try entry.double(in: 0...20, open: true, "a multiplier on implied vols in (0, 20), like 1.5"))
            }
        }
        return StressScenario(name: name, kind: .hypothetical, logReturns: logReturns, volMoves: volMoves)
    }
}
