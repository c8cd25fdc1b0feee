import Foundation
import TailGridCalibration
import TailGridEngine
import TailGridMarket

/// `margin:`: how IM follows from the base measure, the stress test and the floors.
///
/// ```yaml
/// margin:
///   measure: es                 # or var
///   maintenance_ratio: 0.8
///   collateral: portfolio       # or haircut
///   combine: max                # or blend (SPAN 2: base_weight x base + (1 - x) x stress)
///   stress_weight: 1.0          # on the worst stress loss
///   base_weight: 0.5            # x, blend only
///   short_option_minimum:       # absent: off
///     at_the_money: 0.15        # a in max(a - OTM / S, b) S per short contract
///     floor: 0.10               # b
///     underlyings: { ETH: { at_the_money: 0.2, floor: 0.12 } }
///   liquidity:                  # absent: off
///     impact: 0.5               # Y in Y sigma_d S |D| sqrt(|D| / ADV)
///     adv_days: 30              # ADV over the days ending the day before valuation_time
///     volume_unit: usd          # or coin: the price files' volume column
///     prices: { BTC: BTC-USD.csv }   # default: market.calibration.prices
///     vega_adv: { BTC: 2.5e6 }  # optional: USD per vol point a day, per underlying
///   apc: { method: buffer, rate: 0.25, released: false }   # absent: off
///   # or: { method: stressed_weight, weight: 0.25, stressed_period: [2022-05-01, 2023-04-30] }
///   #     (stressed_period absent: the most volatile 365 days of the 10 years to as_of)
///   # or: { method: lookback_floor, lookback_days: 3650 }
/// ```
extension JobDecoder {
    struct MarginContext {
        let market: MarketData
        let valuationTime: Date
        let calibrationPrices: PriceHistories?
        let dataDirectory: String?
    }

    /// How a price file's volume column counts.
    enum VolumeUnit: String, CaseIterable {
        case usd
        case coin
    }

    func margin(_ field: YAMLField, context: MarginContext) throws(JobError) -> MarginPolicy {
        let underlyings = context.market.underlyings.map(\.symbol)
        let mapping = try field.mapping(allowed: Self.marginKeys)
        let measure = try mapping.optional("measure")?.choice(MarginPolicy.Measure.self) ?? .es
        var ratio = MarginPolicy.defaultMaintenanceRatio
        if let ratioField = mapping.optional("maintenance_ratio") {
            ratio = try ratioField.double(in: 0...1, "a ratio in (0, 1], like 0.8")
            guard ratio > 0 else { throw ratioField.error("expected a ratio in (0, 1], got 0") }
        }
        let collateral = try mapping.optional("collateral")?.choice(MarginPolicy.Collateral.self) ?? .portfolio
        let combine = try mapping.optional("combine")?.choice(MarginPolicy.Combine.self) ?? .max
        let stressWeight = try mapping.optional("stress_weight")?.double(in: 0...100, "a weight in [0, 100], like 1") ?? 1
        let baseWeightField = mapping.optional("base_weight")
        if let baseWeightField, combine != .blend {
            throw baseWeightField.error("base_weight applies to combine: blend only")
        }
        let baseWeight = try baseWeightField?.double(in: 0...1, "a weight in [0, 1], like 0.5") ?? MarginPolicy.defaultBaseWeight
        let minimum = try mapping.optional("short_option_minimum").map { field throws(JobError) in
            try Self.shortOptionMinimum(field, underlyings: underlyings)
        }
        let liquidity = try mapping.optional("liquidity").map { field throws(JobError) in
            try liquidityAddOn(field, context: context)
        }
        // The stressed weighting acts on the calibration (decoded with the market); the
        // buffer is a margin component.
        var apc: AntiProcyclicality?
        if let field = mapping.optional("apc"), case .buffer(let buffer) = try Self.antiProcyclicality(field) {
            apc = buffer
        }
        return MarginPolicy(measure: measure, maintenanceRatio: ratio, collateral: collateral, combine: combine,
                            stressWeight: stressWeight, baseWeight: baseWeight, shortOptionMinimum: minimum,
                            liquidity: liquidity, antiProcyclicality: apc)
    }

    static let marginKeys = ["measure", "maintenance_ratio", "collateral", "combine", "stress_weight",
                             "base_weight", "short_option_minimum", "liquidity", "apc"]

    /// An APC tool of RTS 153/2013 art. 28(1) as written.
    enum DecodedAntiProcyclicality {
        /// (a): a buffer of at least 25% of the margin.
        case buffer(AntiProcyclicality)
        /// (b): at least 25% weight on stressed observations; `period` the first and last
        /// day of the stressed returns, nil to find the most volatile year.
        case stressedWeight(weight: Double, period: (first: Int, last: Int)?, field: YAMLField)
        /// (c): a floor at the margin of a lookback of at least 10 years.
        case lookbackFloor(days: Int, field: YAMLField)
    }

    /// The lookbacks `lookback_floor` may ask for, in days: EMIR's 10 years at least.
    static let lookbackFloorDays = LookbackFloor.defaultLookbackDays...10_000

    /// `margin.apc` of the job's top level, read ahead of the market (the stressed
    /// weighting and the lookback floor act on its calibration); nil when absent.
    static func antiProcyclicality(top: YAMLMapping) throws(JobError) -> DecodedAntiProcyclicality? {
        guard let marginField = top.optional("margin"),
              let apcField = try marginField.mapping(allowed: marginKeys).optional("apc") else { return nil }
        return try antiProcyclicality(apcField)
    }

    /// `apc: { method: buffer, rate: 0.25, released: false }`,
    /// `apc: { method: stressed_weight, weight: 0.25, stressed_period: [FIRST, LAST] }` or
    /// `apc: { method: lookback_floor, lookback_days: 3650 }`.
    static func antiProcyclicality(_ field: YAMLField) throws(JobError) -> DecodedAntiProcyclicality {
        let methodField = try field.mapping(allowed: ["method", "rate", "released", "weight", "stressed_period", "lookback_days"])
            .required("method")
        switch try methodField.string() {
        case "buffer": break
        case "lookback_floor":
            let mapping = try field.mapping(allowed: ["method", "lookback_days"])
            let days = try mapping.optional("lookback_days")?.integer(in: Self.lookbackFloorDays)
                ?? LookbackFloor.defaultLookbackDays
            return .lookbackFloor(days: days, field: field)
        case "stressed_weight":
            let mapping = try field.mapping(allowed: ["method", "weight", "stressed_period"])
            let weight = try mapping.optional("weight")?.double(in: StressedWeighting.minimumWeight...1, "a weight in [0.25, 1] (EMIR asks at least 25%)")
                ?? StressedWeighting.minimumWeight
            var period: (first: Int, last: Int)?
            if let periodField = mapping.optional("stressed_period") {
                let days = try periodField.sequence()
                guard days.count == 2 else {
                    throw periodField.error("expected [FIRST, LAST], the first and last day of the stressed returns, like [2022-05-01, 2023-04-30]")
                }
                var bounds: [Int] = []
                for dayField in days {
                    guard let day = CalendarDay.day(try dayField.string()) else {
                        throw dayField.error("expected a date like 2022-05-01, got \(dayField.shown)")
                    }
                    bounds.append(day)
                }
                guard bounds[1] - bounds[0] + 1 >= 20 else {
                    throw periodField.error("a stressed period needs at least 20 daily returns, first before last")
                }
                period = (bounds[0], bounds[1])
            }
            return .stressedWeight(weight: weight, period: period, field: field)
        default:
            throw methodField.error("expected buffer (a margin buffer of at least 25%, RTS 153/2013 art. 28(1)(a)), stressed_weight (at least 25% weight on stressed observations, art. 28(1)(b)) or lookback_floor (margin at least that of a 10-year lookback, art. 28(1)(c)), got \(methodField.shown)")
        }
        let mapping = try field.mapping(allowed: ["method", "rate", "released"])
        let rate = try mapping.optional("rate")?.double(in: AntiProcyclicality.minimumRate...10, "a buffer rate in [0.25, 10] (EMIR asks at least 25%)")
            ?? AntiProcyclicality.minimumRate
        var released = false
        if let releasedField = mapping.optional("released") {
            switch try releasedField.string() {
            case "true": released = true
            case "false": released = false
            default: throw releasedField.error("expected true or false, got \(releasedField.shown)")
            }
        }
        return .buffer(AntiProcyclicality(rate: rate, released: released))
    }

    /// ADV per underlying: the mean daily volume in coins over `adv_days` days ending the
    /// day before valuation_time (a USD volume divided by that day's close).
    func liquidityAddOn(_ field: YAMLField, context: MarginContext) throws(JobError) -> LiquidityAddOn {
        let mapping = try field.mapping(allowed: ["impact", "adv_days", "volume_unit", "prices", "vega_adv"])
        let impact = try mapping.optional("impact")?.double(in: 0...100, "an impact coefficient in [0, 100], like 0.5")
            ?? LiquidityAddOn.defaultImpact
        let days = try mapping.optional("adv_days")?.integer(in: 1...3_650) ?? LiquidityAddOn.defaultAverageDays
        let unit = try mapping.optional("volume_unit")?.choice(VolumeUnit.self) ?? .usd
        let prices = try everyUnderlyingsPrices(for: "the liquidity add-on", at: field, own: mapping.optional("prices"),
                                                ownKey: "margin.liquidity.prices", calibration: context.calibrationPrices,
                                                symbols: context.market.underlyings.map(\.symbol),
                                                dataDirectory: context.dataDirectory)
        let last = Int((context.valuationTime.timeIntervalSince1970 / 86_400).rounded(.down)) - 1
        var volumes: [String: Double] = [:]
        for history in prices.histories {
            let file = prices.files[history.symbol] ?? history.symbol
            let entry = prices.fields[history.symbol] ?? field
            var total = 0.0
            for day in (last - days + 1)...last {
                guard let close = history.close(on: day) else {
                    throw entry.error("\(file) has no close for \(CalendarDay.text(day)); the \(days)-day ADV needs every day from \(CalendarDay.text(last - days + 1)) to \(CalendarDay.text(last))")
                }
                let volume = history.volumes[day - history.firstDay]
                guard volume > 0 else {
                    throw entry.error("\(file) has no volume for \(CalendarDay.text(day)); the liquidity add-on needs a positive volume on every day of its \(days)-day window")
                }
                total += unit == .usd ? volume / close : volume
            }
            volumes[history.symbol] = total / Double(days)
        }
        var vegaVolume: [String: Double] = [:]
        if let vegaField = mapping.optional("vega_adv") {
            for (symbol, entry) in try vegaField.anyMapping().entries {
                guard let underlying = context.market.underlying(symbol) else {
                    throw entry.error("'\(JobError.shown(symbol))' is not in market.underlyings (\(context.market.underlyings.map(\.symbol).joined(separator: ", ")))")
                }
                guard underlying.volOfVol != nil else {
                    throw entry.error("the vega part prices a daily move of \(symbol)'s implied vols: give market.underlyings.\(symbol).vol_of_vol")
                }
                vegaVolume[symbol] = try entry.double(in: Double.leastNormalMagnitude...1e15,
                                                      "a traded vega per day in USD per vol point, positive, like 2.5e6")
            }
        }
        return LiquidityAddOn(impact: impact, averageDailyVolume: volumes, vegaVolume: vegaVolume)
    }

    static func shortOptionMinimum(_ field: YAMLField, underlyings: [String]) throws(JobError) -> ShortOptionMinimum {
        func parameters(_ field: YAMLField, defaults: ShortOptionMinimum.Parameters,
                        extra: [String]) throws(JobError) -> (ShortOptionMinimum.Parameters, YAMLMapping) {
            let mapping = try field.mapping(allowed: ["at_the_money", "floor"] + extra)
            let atTheMoney = try mapping.optional("at_the_money")?.double(in: 0...1, "a fraction of spot in [0, 1], like 0.15")
                ?? defaults.atTheMoney
            let floor = try mapping.optional("floor")?.double(in: 0...1, "a fraction of spot in [0, 1], like 0.1") ?? defaults.floor
            return (ShortOptionMinimum.Parameters(atTheMoney: atTheMoney, floor: floor), mapping)
        }
        let (defaults, mapping) = try parameters(field, defaults: .deribit, extra: ["underlyings"])
        var perUnderlying: [String: ShortOptionMinimum.Parameters] = [:]
        if let underlyingsField = mapping.optional("underlyings") {
            for (symbol, entry) in try underlyingsField.anyMapping().entries {
                guard underlyings.contains(symbol) else {
                    throw entry.error("'\(JobError.shown(symbol))' is not in market.underlyings (\(underlyings.joined(separator: ", ")))")
                }
                perUnderlying[symbol] = try parameters(entry, defaults: defaults, extra: []).0
            }
        }
        return ShortOptionMinimum(defaults: defaults, perUnderlying: perUnderlying)
    }
}
