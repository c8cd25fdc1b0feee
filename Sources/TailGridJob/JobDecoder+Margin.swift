import TailGridEngine

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
/// ```
extension JobDecoder {
    static func margin(_ field: YAMLField, underlyings: [String]) throws(JobError) -> MarginPolicy {
        let mapping = try field.mapping(allowed: ["measure", "maintenance_ratio", "collateral", "combine", "stress_weight",
                                                  "base_weight", "short_option_minimum"])
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
            try shortOptionMinimum(field, underlyings: underlyings)
        }
        return MarginPolicy(measure: measure, maintenanceRatio: ratio, collateral: collateral, combine: combine,
                            stressWeight: stressWeight, baseWeight: baseWeight, shortOptionMinimum: minimum)
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
