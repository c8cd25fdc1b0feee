/// How margin follows from the loss distribution, the stress test and the floors.
///
/// With B = max(0, ES or VaR at the first listed confidence) (the base), T =
/// `stressWeight` x max(0, worst weighted stress loss) when the job has stress scenarios,
/// and M the short-option minimum (`ShortOptionMinimum`, 0 when off):
///
///     C  = B                                (no stress scenarios)
///        = max(B, T)                        (combine: max)
///        = x B + (1 - x) T                  (combine: blend, x = baseWeight; SPAN 2)
///     IM = B + (C - B) + max(0, M - C) + L + A + F
///
/// with L the liquidity add-on (`LiquidityAddOn`, 0 when off), A the
/// anti-procyclicality buffer on the rest (`AntiProcyclicality`, 0 when off or released)
/// and F the lookback floor's uplift max(0, K_10y - K), K = B + (C - B) + max(0, M - C) + L
/// and K_10y the same with B from the floor's scenarios (`LookbackFloor`, 0 when off), so
/// the components base, stress uplift C - B, short-option uplift, liquidity add-on, APC
/// buffer and floor uplift add up to IM in that order. Maintenance margin is `maintenanceRatio` IM. Equity at or above IM
/// is `ok`, between MM and IM a `margin_call`, below MM `liquidation`.
///
/// Collateral enters equity at its haircut value: a balance b >= 0 of a coin at price S
/// with haircut h counts b S (1 - h), a liability (b < 0, a borrowed coin) counts
/// b S (1 + h), so a haircut never makes a debt smaller. What the scenarios see depends on
/// the convention (`Collateral`).
public struct MarginPolicy: Sendable, Hashable {
    /// How coin collateral enters the loss distribution.
    public enum Collateral: String, Sendable, Hashable, CaseIterable {
        /// Coin balances are positions: they move at full price in every scenario, so
        /// they hedge (a coin against a short inverse perpetual) and carry wrong-way risk
        /// (a short call collateralised in its own coin). Haircuts act on equity only, as
        /// on Deribit's cross-collateral accounts. The default.
        case portfolio
        /// The CCP convention: collateral is counted at its haircut value and stays out
        /// of the scenarios; IM comes from the positions alone.
        case haircut
    }

    public enum Measure: String, Sendable, Hashable, CaseIterable {
        case es
        case `var`
    }

    public enum Status: String, Sendable, Hashable {
        case ok
        case marginCall = "margin_call"
        case liquidation
    }

    /// How the base and the stress component make the core margin.
    public enum Combine: String, Sendable, Hashable, CaseIterable {
        case max
        case blend
    }

    public let measure: Measure
    public let maintenanceRatio: Double
    public let collateral: Collateral
    public let combine: Combine
    /// The weight on the worst stress loss.
    public let stressWeight: Double
    /// x in the blend x B + (1 - x) T.
    public let baseWeight: Double
    /// The per-contract floor for short options; nil when off.
    public let shortOptionMinimum: ShortOptionMinimum?
    /// The liquidity and concentration add-on; nil when off.
    public let liquidity: LiquidityAddOn?
    /// The anti-procyclicality buffer; nil when off.
    public let antiProcyclicality: AntiProcyclicality?

    public static let defaultMaintenanceRatio = 0.8
    public static let defaultBaseWeight = 0.5

    public init(measure: Measure = .es, maintenanceRatio: Double = MarginPolicy.defaultMaintenanceRatio,
                collateral: Collateral = .portfolio, combine: Combine = .max, stressWeight: Double = 1,
                baseWeight: Double = MarginPolicy.defaultBaseWeight, shortOptionMinimum: ShortOptionMinimum? = nil,
                liquidity: LiquidityAddOn? = nil, antiProcyclicality: AntiProcyclicality? = nil) {
        precondition(maintenanceRatio > 0 && maintenanceRatio <= 1)
        precondition(stressWeight >= 0 && baseWeight >= 0 && baseWeight <= 1)
        self.measure = measure
        self.maintenanceRatio = maintenanceRatio
        self.collateral = collateral
        self.combine = combine
        self.stressWeight = stressWeight
        self.baseWeight = baseWeight
        self.shortOptionMinimum = shortOptionMinimum
        self.liquidity = liquidity
        self.antiProcyclicality = antiProcyclicality
    }

    /// The USD value a collateral balance adds to equity: b S (1 - h) for b >= 0,
    /// b S (1 + h) for a liability.
    public static func collateralValue(amount: Double, price: Double, haircut: Double) -> Double {
        amount * price * (amount >= 0 ? 1 - haircut : 1 + haircut)
    }

    /// The margin of one account: `stressComponent` is max(0, worst weighted stress
    /// loss) (nil without stress scenarios), `shortOptionMinimum` its short-option
    /// minimum (0 when off), `liquidityAddOn` its liquidity add-on (0 when off),
    /// `lookbackFloor` the VaR and ES of its losses under the lookback floor's scenarios
    /// (`LookbackFloor`; nil when off).
    public func margin(equity: Double, valueAtRisk: Double, expectedShortfall: Double, stressComponent: Double? = nil,
                       shortOptionMinimum: Double = 0, liquidityAddOn: Double = 0,
                       lookbackFloor: (valueAtRisk: Double, expectedShortfall: Double)? = nil) -> AccountMargin {
        func calculate(valueAtRisk: Double, expectedShortfall: Double) -> (base: Double, core: Double, shortOptionUplift: Double, total: Double) {
            let base = Swift.max(0, measure == .es ? expectedShortfall : valueAtRisk)
            var core = base
            if let stressComponent {
                let stress = stressWeight * stressComponent
                core = combine == .max ? Swift.max(base, stress) : baseWeight * base + (1 - baseWeight) * stress
            }
            let shortOptionUplift = Swift.max(0, shortOptionMinimum - core)
            return (base, core, shortOptionUplift, base + (core - base) + shortOptionUplift + liquidityAddOn)
        }
        let (base, core, shortOptionUplift, calculated) = calculate(valueAtRisk: valueAtRisk, expectedShortfall: expectedShortfall)
        let floor = lookbackFloor.map { calculate(valueAtRisk: $0.valueAtRisk, expectedShortfall: $0.expectedShortfall).total }
        let components = AccountMargin.Components(base: base, stressUplift: core - base,
                                                  shortOptionUplift: shortOptionUplift, liquidityAddOn: liquidityAddOn,
                                                  antiProcyclicalityBuffer: antiProcyclicality?.buffer(on: calculated) ?? 0,
                                                  lookbackFloorUplift: floor.map { Swift.max(0, $0 - calculated) } ?? 0,
                                                  lookbackFloorMargin: floor)
        let initial = components.total
        let maintenance = maintenanceRatio * initial
        let status: Status = equity >= initial ? .ok : (equity >= maintenance ? .marginCall : .liquidation)
        return AccountMargin(initialMargin: initial, maintenanceMargin: maintenance,
                             excessMargin: equity - initial, status: status, components: components)
    }
}

/// The margin figures of one account.
public struct AccountMargin: Sendable, Hashable {
    /// What initial margin is made of (see `MarginPolicy`); `total` is the IM.
    public struct Components: Sendable, Hashable {
        /// B: the ES (or VaR) at the first confidence, at least 0.
        public let base: Double
        /// C - B: what the stress test adds to the base (negative under a blend whose
        /// stress is below the base).
        public let stressUplift: Double
        /// max(0, M - C): what the short-option minimum adds.
        public let shortOptionUplift: Double
        /// L: the liquidity and concentration add-on.
        public let liquidityAddOn: Double
        /// A: the anti-procyclicality buffer, by how much APC changed IM.
        public let antiProcyclicalityBuffer: Double
        /// F: max(0, C_10y - C), what the lookback floor adds (`LookbackFloor`).
        public let lookbackFloorUplift: Double
        /// C_10y, the calculated margin under the lookback floor's scenarios; nil without one.
        public let lookbackFloorMargin: Double?

        /// B + (C - B) + short-option uplift + liquidity add-on + APC buffer + floor
        /// uplift, summed in that order.
        public var total: Double {
            base + stressUplift + shortOptionUplift + liquidityAddOn + antiProcyclicalityBuffer + lookbackFloorUplift
        }
    }

    public let initialMargin: Double
    public let maintenanceMargin: Double
    public let excessMargin: Double
    public let status: MarginPolicy.Status
    public let components: Components
}
