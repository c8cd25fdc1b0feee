/// How margin follows from the loss distribution.
///
/// Initial margin is the ES (or VaR) at the first listed confidence, never below zero;
/// maintenance margin is `maintenanceRatio` times it. Equity at or above IM is `ok`,
/// between MM and IM a `margin_call`, below MM `liquidation`.
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

    public let measure: Measure
    public let maintenanceRatio: Double
    public let collateral: Collateral

    public static let defaultMaintenanceRatio = 0.8

    public init(measure: Measure = .es, maintenanceRatio: Double = MarginPolicy.defaultMaintenanceRatio,
                collateral: Collateral = .portfolio) {
        precondition(maintenanceRatio > 0 && maintenanceRatio <= 1)
        self.measure = measure
        self.maintenanceRatio = maintenanceRatio
        self.collateral = collateral
    }

    /// The USD value a collateral balance adds to equity: b S (1 - h) for b >= 0,
    /// b S (1 + h) for a liability.
    public static func collateralValue(amount: Double, price: Double, haircut: Double) -> Double {
        amount * price * (amount >= 0 ? 1 - haircut : 1 + haircut)
    }

    public func margin(equity: Double, valueAtRisk: Double, expectedShortfall: Double) -> AccountMargin {
        let initial = Swift.max(0, measure == .es ? expectedShortfall : valueAtRisk)
        let maintenance = maintenanceRatio * initial
        let status: Status = equity >= initial ? .ok : (equity >= maintenance ? .marginCall : .liquidation)
        return AccountMargin(initialMargin: initial, maintenanceMargin: maintenance,
                             excessMargin: equity - initial, status: status)
    }
}

/// The margin figures of one account.
public struct AccountMargin: Sendable, Hashable {
    public let initialMargin: Double
    public let maintenanceMargin: Double
    public let excessMargin: Double
    public let status: MarginPolicy.Status
}
