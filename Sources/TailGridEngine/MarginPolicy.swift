/// How margin follows from the loss distribution.
///
/// Initial margin is the ES (or VaR) at the first listed confidence, never below zero;
/// maintenance margin is `maintenanceRatio` times it. Equity at or above IM is `ok`,
/// between MM and IM a `margin_call`, below MM `liquidation`.
public struct MarginPolicy: Sendable, Hashable {
    public enum Measure: String, Sendable, Hashable {
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

    public static let defaultMaintenanceRatio = 0.8

    public init(measure: Measure = .es, maintenanceRatio: Double = MarginPolicy.defaultMaintenanceRatio) {
        precondition(maintenanceRatio > 0 && maintenanceRatio <= 1)
        self.measure = measure
        self.maintenanceRatio = maintenanceRatio
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
