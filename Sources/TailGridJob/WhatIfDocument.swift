import Foundation
import TailGridEngine
import TailGridMarket

/// `tailgrid whatif --json`: an account's figures before and after the trades, computed
/// with common random numbers (`WhatIf`), and the change.
public struct WhatIfDocument: Codable, Sendable, Equatable {
    public struct Trade: Codable, Sendable, Equatable {
        public var instrument: String
        public var quantity: Double
    }

    public struct Figures: Codable, Sendable, Equatable {
        public var valueAtRisk: Double
        public var expectedShortfall: Double
        public var expectedShortfallStandardError: Double
        public var initialMargin: Double
        public var maintenanceMargin: Double
        public var equity: Double
        public var excessMargin: Double
        public var status: String

        init(_ risk: AccountRisk) {
            valueAtRisk = risk.estimates[0].valueAtRisk
            expectedShortfall = risk.estimates[0].expectedShortfall
            expectedShortfallStandardError = risk.estimates[0].expectedShortfallStandardError
            initialMargin = risk.margin.initialMargin
            maintenanceMargin = risk.margin.maintenanceMargin
            equity = risk.equity
            excessMargin = risk.margin.excessMargin
            status = risk.margin.status.rawValue
        }

        enum CodingKeys: String, CodingKey {
            case equity, status
            case valueAtRisk = "var"
            case expectedShortfall = "es"
            case expectedShortfallStandardError = "es_se"
            case initialMargin = "initial_margin"
            case maintenanceMargin = "maintenance_margin"
            case excessMargin = "excess_margin"
        }
    }

    public var job: String
    public var account: String
    public var currency: String
    public var confidence: Double
    public var scenarios: Int
    public var trades: [Trade]
    public var before: Figures
    public var after: Figures
    /// The USD balance change of settling the trades at mark (-sum q V).
    public var cashMoved: Double
    /// after.initial_margin - before.initial_margin.
    public var initialMarginChange: Double
    public var method: String

    public static let method = "common random numbers: the account alone, before and after the trades, on the same seeded scenarios, so the change is the trades' effect and not Monte Carlo noise; trades settle at mark in USD cash (cash_moved)"

    public init(job: EngineJob, whatIf: WhatIf, trades: [Account.Position]) {
        self.job = job.name
        self.account = whatIf.before.id
        self.currency = whatIf.before.currency
        self.confidence = job.confidences[0]
        self.scenarios = job.scenarios
        self.trades = trades.map { Trade(instrument: $0.instrument.name, quantity: $0.quantity) }
        self.before = Figures(whatIf.before)
        self.after = Figures(whatIf.after)
        self.initialMarginChange = whatIf.initialMarginChange
        self.cashMoved = whatIf.cashMoved
        self.method = Self.method
    }

    enum CodingKeys: String, CodingKey {
        case job, account, currency, confidence, scenarios, trades, before, after, method
        case initialMarginChange = "initial_margin_change"
        case cashMoved = "cash_moved"
    }

    public func jsonData() throws(JobError) -> Data {
        try ResultWriter.jsonData(self, name: "the what-if")
    }
}
