import TailGridMarket

/// Initial margin split by line: each component of IM (`AccountMargin.Components`)
/// allocated to the account's lines (`AccountExplanation.lines`, in their order) where an
/// exact or Euler allocation exists, and the rest named with its amount, so that the
/// lines' margins plus the unsplit amounts add up to IM (to rounding).
///
/// - base B = max(0, ES): line i's Euler ES contribution C_i when ES > 0, else 0. A VaR
///   base is left unsplit (the replay sums lines over the whole tail, not at the k-th).
/// - stress uplift C - B: with the worst stress scenario's weighted line losses T_i
///   (`AccountExplanation.StressBreakdown`) scaled by the stress weight w, under `max`
///   T_i w - B_i when the stress binds, under `blend` (1 - x)(w T_i - B_i). Exact: the
///   stress component is one scenario's loss. When the worst stress is the dependence
///   stress (an ES under another correlation) it is left unsplit.
/// - short-option uplift max(0, M - C): M_i - (B_i + U_i) when it binds, with M_i the
///   line's share of its option's minimum (its quantity over the account's net quantity
///   of that option, so lines of one option net as the rule does).
/// - liquidity add-on: per underlying, L_u = Y sigma_d S |D|^(3/2) / sqrt(ADV) is
///   homogeneous of degree 3/2 in the positions, so Euler gives C_i = L_u d_i / D (d_i the
///   line's delta in coins, collateral coins included under the portfolio convention);
///   the vega part Y |E| sqrt(|V| / ADV_vega) gives C_i = L_v (2/3)(e_i / E + v_i / (2 V)).
/// - APC buffer: rate x each line's calculated margin (the buffer is linear in it).
/// - lookback floor uplift: left unsplit (it needs a replay of the floor's scenarios).
public struct MarginAttribution: Sendable, Hashable {
    /// One line's margin, component by component (nil: that component is not split).
    public struct Line: Sendable, Hashable {
        public var base: Double?
        public var stressUplift: Double?
        public var shortOptionUplift: Double?
        public var liquidityAddOn: Double?
        public var antiProcyclicalityBuffer: Double?

        /// The split components, summed in IM's order.
        public var total: Double {
            [base, stressUplift, shortOptionUplift, liquidityAddOn, antiProcyclicalityBuffer].reduce(0) { $0 + ($1 ?? 0) }
        }
    }

    /// A component of IM left whole, with why.
    public struct Unsplit: Sendable, Hashable {
        public let component: String
        public let amount: Double
        public let reason: String
    }

    public let initialMargin: Double
    /// In the explanation's line order.
    public let lines: [Line]
    public let unsplit: [Unsplit]

    /// The plan's pricers by instrument name, which the liquidity split reads: build them
    /// once when splitting many accounts.
    public static func pricers(of plan: EnginePlan) -> [String: InstrumentPricer] {
        Dictionary(plan.evaluator.instruments.map { ($0.instrument.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The split of `risk`'s IM over `explanation`'s lines, for account `index` of `plan`
    /// (`pricers`: `pricers(of: plan)`, built here when not given).
    public init(plan: EnginePlan, account index: Int, risk: AccountRisk, explanation: AccountExplanation,
                pricers: [String: InstrumentPricer]? = nil) {
        let job = plan.job
        let policy = job.margin
        let components = risk.margin.components
        let count = explanation.lines.count
        var unsplit: [Unsplit] = []
        func leave(_ component: String, _ amount: Double, _ reason: String) -> [Double]? {
            if amount != 0 { unsplit.append(Unsplit(component: component, amount: amount, reason: reason)) }
            return amount == 0 ? [Double](repeating: 0, count: count) : nil
        }

        // B
        let base: [Double]?
        if components.base == 0 {
            base = [Double](repeating: 0, count: count)
        } else if policy.measure == .es {
            base = explanation.lines.map(\.contribution)
        } else {
            base = leave("base", components.base, "a VaR base is one scenario's loss; the replay sums lines over the tail")
        }

        // C - B
        let stressUplift: [Double]?
        if components.stressUplift == 0 {
            stressUplift = [Double](repeating: 0, count: count)
        } else if let base, let breakdown = explanation.stress, let stress = risk.stress, stress.worst == breakdown.scenario,
                  stress.worstLoss == breakdown.loss {
            let weighted = breakdown.lineLosses.map { policy.stressWeight * (stress.worstLoss > 0 ? $0 : 0) }
            stressUplift = zip(weighted, base).map { stressed, based in
                policy.combine == .max ? stressed - based : (1 - policy.baseWeight) * (stressed - based)
            }
        } else {
            let reason = risk.stress.map { "the worst stress is '\($0.worst)', an ES under other correlations: its lines need a replay of that tail" }
                ?? "no stress breakdown"
            stressUplift = leave("stress_uplift", components.stressUplift, reason)
        }

        // max(0, M - C)
        let shortOptionUplift: [Double]?
        if components.shortOptionUplift == 0 {
            shortOptionUplift = [Double](repeating: 0, count: count)
        } else if let base, let stressUplift, let minimum = policy.shortOptionMinimum {
            let perUSD = job.market.perUSD(of: job.accounts[index])
            let options = minimum.optionMinimums(for: job.accounts[index], market: job.market)
            shortOptionUplift = explanation.lines.enumerated().map { line, held in
                // A line of an option the account is net short of takes its quantity's share.
                let share = held.kind == .position ? options[held.instrument].map { $0.minimum * (held.quantity / $0.net) } ?? 0 : 0
                return share * perUSD - (base[line] + stressUplift[line])
            }
        } else {
            shortOptionUplift = leave("short_option_uplift", components.shortOptionUplift, "the core margin it tops up is not split")
        }

        // L
        let liquidity: [Double]?
        if components.liquidityAddOn == 0 {
            liquidity = [Double](repeating: 0, count: count)
        } else if let addOn = policy.liquidity {
            let perUSD = job.market.perUSD(of: job.accounts[index])
            liquidity = Self.liquidityShares(explanation.lines, addOn: addOn, plan: plan,
                                             pricers: pricers ?? Self.pricers(of: plan)).map { $0 * perUSD }
        } else {
            liquidity = leave("liquidity_add_on", components.liquidityAddOn, "no liquidity policy")
        }

        // A
        let buffer: [Double]?
        if components.antiProcyclicalityBuffer == 0 {
            buffer = [Double](repeating: 0, count: count)
        } else if let apc = policy.antiProcyclicality, let base, let stressUplift, let shortOptionUplift, let liquidity {
            buffer = (0..<count).map { apc.buffer(on: base[$0] + stressUplift[$0] + shortOptionUplift[$0] + liquidity[$0]) }
        } else {
            buffer = leave("apc_buffer", components.antiProcyclicalityBuffer, "the calculated margin it is a rate of is not split")
        }

        _ = leave("lookback_floor_uplift", components.lookbackFloorUplift,
                  "the floor's ES comes from its own scenarios: its lines need a replay of that tail")
        self.initialMargin = risk.margin.initialMargin
        self.lines = (0..<count).map { line in
            Line(base: base?[line], stressUplift: stressUplift?[line], shortOptionUplift: shortOptionUplift?[line],
                 liquidityAddOn: liquidity?[line], antiProcyclicalityBuffer: buffer?[line])
        }
        self.unsplit = unsplit
    }

    /// The lines' margins plus the unsplit amounts: IM to rounding.
    public var total: Double {
        lines.reduce(0) { $0 + $1.total } + unsplit.reduce(0) { $0 + $1.amount }
    }

    /// Each line's Euler share of the liquidity add-on, USD (see the type's comment).
    static func liquidityShares(_ lines: [AccountExplanation.Line], addOn: LiquidityAddOn, plan: EnginePlan,
                                pricers: [String: InstrumentPricer]) -> [Double] {
        let market = plan.job.market
        let portfolio = plan.job.margin.collateral == .portfolio
        // Per line: delta in coins, and the vega terms (V, E) where the underlying has a traded vega.
        let deltas = lines.map { line -> Double in
            switch line.kind {
            case .position: line.quantity * (pricers[line.instrument]?.spotDelta(rate: market.rate) ?? 0)
            case .collateral: portfolio && market.underlying(line.instrument) != nil ? line.quantity : 0
            case .coinRestatement: 0
            }
        }
        let vegas = lines.map { line -> LiquidityAddOn.Vega in
            guard line.kind == .position, addOn.vegaVolume[line.underlying] != nil,
                  let nu = market.underlying(line.underlying)?.volOfVol, let pricer = pricers[line.instrument] else {
                return LiquidityAddOn.Vega(perVolPoint: 0, dailyMove: 0)
            }
            return LiquidityAddOn.vega(of: line.quantity, pricer: pricer, volOfVol: nu, rate: market.rate)
        }
        var shares = [Double](repeating: 0, count: lines.count)
        for symbol in Set(lines.map(\.underlying)) {
            let mine = lines.indices.filter { lines[$0].underlying == symbol }
            let delta = mine.reduce(0) { $0 + deltas[$1] }
            let deltaCost = addOn.requirement(deltas: [symbol: delta], market: market)
            if delta != 0 && deltaCost != 0 {
                for line in mine { shares[line] += deltaCost * deltas[line] / delta }
            }
            let net = LiquidityAddOn.Vega(perVolPoint: mine.reduce(0) { $0 + vegas[$1].perVolPoint },
                                          dailyMove: mine.reduce(0) { $0 + vegas[$1].dailyMove })
            let vegaCost = addOn.vegaRequirement(vegas: [symbol: net])
            if net.perVolPoint != 0 && net.dailyMove != 0 && vegaCost != 0 {
                for line in mine {
                    shares[line] += vegaCost * (2.0 / 3.0) * (vegas[line].dailyMove / net.dailyMove
                        + vegas[line].perVolPoint / (2 * net.perVolPoint))
                }
            }
        }
        return shares
    }
}
