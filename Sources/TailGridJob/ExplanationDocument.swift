import Foundation
import TailGridEngine

/// `explain.json`: per explained account, the Euler ES contributions of its lines, per
/// underlying and per risk-factor stage, and its worst scenarios with their moves
/// (`AccountExplanation`); `contributions.csv` holds the lines, one row each.
public struct ExplanationDocument: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public var kind: String
        public var instrument: String
        public var underlying: String
        public var quantity: Double
        public var contribution: Double
        /// contribution / ES (absent when ES is 0).
        public var share: Double?
        /// The line's weighted loss in the account's worst stress scenario (absent without
        /// stress scenarios).
        public var stressLoss: Double?
        /// The line's part of initial margin, component by component (absent when the
        /// result was not given).
        public var margin: LineMargin?

        enum CodingKeys: String, CodingKey {
            case kind, instrument, underlying, quantity, contribution, share, margin
            case stressLoss = "stress_loss"
        }
    }

    /// A line's part of initial margin (`MarginAttribution`): `total` is the sum of the
    /// components split; a component absent here is in the account's `unsplit`.
    public struct LineMargin: Codable, Sendable, Equatable {
        public var total: Double
        public var base: Double?
        public var stressUplift: Double?
        public var shortOptionUplift: Double?
        public var liquidityAddOn: Double?
        public var apcBuffer: Double?

        enum CodingKeys: String, CodingKey {
            case total, base
            case stressUplift = "stress_uplift"
            case shortOptionUplift = "short_option_uplift"
            case liquidityAddOn = "liquidity_add_on"
            case apcBuffer = "apc_buffer"
        }
    }

    /// An account's initial margin against its lines: the lines' margins plus `unsplit`
    /// add up to `initial_margin` (to rounding).
    public struct Margin: Codable, Sendable, Equatable {
        public struct Unsplit: Codable, Sendable, Equatable {
            public var component: String
            public var amount: Double
            public var reason: String
        }

        public var initialMargin: Double
        public var linesTotal: Double
        public var unsplit: [Unsplit]

        enum CodingKeys: String, CodingKey {
            case unsplit
            case initialMargin = "initial_margin"
            case linesTotal = "lines_total"
        }
    }

    /// The worst stress scenario, whose loss the lines' `stress_loss` add up to.
    public struct Stress: Codable, Sendable, Equatable {
        public var scenario: String
        public var weight: Double
        public var loss: Double
    }

    public struct Named: Codable, Sendable, Equatable {
        public var name: String
        public var contribution: Double
    }

    public struct Scenario: Codable, Sendable, Equatable {
        public var scenario: UInt64
        public var loss: Double
        /// S' / S - 1 per price process.
        public var spotReturns: [String: Double]
        /// The implied-vol multiplier per underlying with a vol factor.
        public var volMultipliers: [String: Double]

        enum CodingKeys: String, CodingKey {
            case scenario, loss
            case spotReturns = "spot_returns"
            case volMultipliers = "vol_multipliers"
        }
    }

    public struct Account: Codable, Sendable, Equatable {
        public var id: String
        public var currency: String
        public var confidence: Double
        public var tailCount: Int
        public var valueAtRisk: Double
        public var expectedShortfall: Double
        public var contributionSum: Double
        public var lines: [Line]
        public var underlyings: [Named]
        public var riskFactors: [Named]
        public var tailMeanSpotReturns: [String: Double]
        public var tailMeanVolMultipliers: [String: Double]
        public var worstScenarios: [Scenario]
        public var stress: Stress?
        public var margin: Margin?

        enum CodingKeys: String, CodingKey {
            case id, currency, confidence, lines, underlyings, stress, margin
            case tailCount = "tail_count"
            case valueAtRisk = "var"
            case expectedShortfall = "es"
            case contributionSum = "contribution_sum"
            case riskFactors = "risk_factors"
            case tailMeanSpotReturns = "tail_mean_spot_returns"
            case tailMeanVolMultipliers = "tail_mean_vol_multipliers"
            case worstScenarios = "worst_scenarios"
        }
    }

    public var job: String
    public var seed: UInt64
    public var scenarios: Int
    /// How the contributions are defined, for a reader without the README.
    public var method: String
    public var accounts: [Account]

    public static let method = "Euler allocation of ES: a line's contribution is the mean of its loss over the account's k largest-loss scenarios (replayed from seed and index), so contributions add up to ES; risk_factors is the waterfall spot, implied_vol, basis, skew (each stage's increment, cross terms with earlier stages included); a line's margin splits initial margin: base by its ES contribution, stress uplift by its loss in the worst stress scenario, short-option uplift by its option's minimum, liquidity add-on by Euler on its delta and vega, APC buffer at its rate, and what cannot be split is listed in the account's margin.unsplit"

    /// With `risks` (the run's accounts, in the job's order), each line also carries its
    /// part of initial margin (`MarginAttribution`).
    public init(plan: EnginePlan, explanations: [AccountExplanation], risks: [AccountRisk]? = nil) {
        let job = plan.job
        let attribution = TailAttribution(plan: plan)
        let processes = attribution.processes
        let volProcesses = attribution.processesWithVol
        self.job = job.name
        self.seed = job.seed
        self.scenarios = job.scenarios
        self.method = Self.method
        func spots(_ moves: AccountExplanation.Moves) -> [String: Double] {
            Dictionary(zip(processes, moves.spotReturns).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
        }
        func vols(_ moves: AccountExplanation.Moves) -> [String: Double] {
            Dictionary(zip(processes, moves.volMultipliers).filter { volProcesses.contains($0.0) }.map { ($0, $1) },
                       uniquingKeysWith: { first, _ in first })
        }
        let indices = Dictionary(job.accounts.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        let pricers = risks.map { _ in MarginAttribution.pricers(of: plan) }
        self.accounts = explanations.map { explanation in
            let es = explanation.expectedShortfall
            let attribution = indices[explanation.id].flatMap { index in
                risks.flatMap { risks in
                    risks.indices.contains(index) && risks[index].id == explanation.id
                        ? MarginAttribution(plan: plan, account: index, risk: risks[index], explanation: explanation, pricers: pricers)
                        : nil
                }
            }
            return Account(
                id: explanation.id, currency: explanation.currency, confidence: explanation.confidence,
                tailCount: explanation.tailCount, valueAtRisk: explanation.valueAtRisk, expectedShortfall: es,
                contributionSum: explanation.contributionSum,
                lines: explanation.lines.enumerated().map { index, line in
                    Line(kind: line.kind.rawValue, instrument: line.instrument, underlying: line.underlying, quantity: line.quantity,
                         contribution: line.contribution, share: es != 0 ? line.contribution / es : nil,
                         stressLoss: explanation.stress?.lineLosses[index],
                         margin: attribution.map { attribution in
                             let margin = attribution.lines[index]
                             return LineMargin(total: margin.total, base: margin.base, stressUplift: margin.stressUplift,
                                               shortOptionUplift: margin.shortOptionUplift, liquidityAddOn: margin.liquidityAddOn,
                                               apcBuffer: margin.antiProcyclicalityBuffer)
                         })
                },
                underlyings: explanation.underlyings.map { Named(name: $0.symbol, contribution: $0.contribution) },
                riskFactors: explanation.riskFactors.map { Named(name: $0.factor, contribution: $0.contribution) },
                tailMeanSpotReturns: spots(explanation.tailMeanMoves), tailMeanVolMultipliers: vols(explanation.tailMeanMoves),
                worstScenarios: explanation.worstScenarios.map {
                    Scenario(scenario: $0.scenario, loss: $0.loss, spotReturns: spots($0.moves), volMultipliers: vols($0.moves))
                },
                stress: explanation.stress.map { Stress(scenario: $0.scenario, weight: $0.weight, loss: $0.loss) },
                margin: attribution.map { attribution in
                    Margin(initialMargin: attribution.initialMargin, linesTotal: attribution.lines.reduce(0) { $0 + $1.total },
                           unsplit: attribution.unsplit.map { Margin.Unsplit(component: $0.component, amount: $0.amount, reason: $0.reason) })
                })
        }
    }

    public func jsonData() throws(JobError) -> Data {
        try ResultWriter.jsonData(self, name: "explain.json")
    }

    /// `account,currency,kind,instrument,underlying,quantity,contribution,share,stress_loss,margin`,
    /// one row per line, accounts in the job's order (`stress_loss` empty without stress
    /// scenarios, `margin`, the line's split part of initial margin, without the result).
    public func csvData() -> Data {
        var text = "account,currency,kind,instrument,underlying,quantity,contribution,share,stress_loss,margin\n"
        for account in accounts {
            for line in account.lines {
                let names = [account.id, account.currency, line.kind, line.instrument, line.underlying].map(ResultWriter.csvField)
                let share: String = line.share.map { "\($0)" } ?? ""
                let stressLoss: String = line.stressLoss.map { "\($0)" } ?? ""
                let margin: String = line.margin.map { "\($0.total)" } ?? ""
                let numbers: [String] = ["\(line.quantity)", "\(line.contribution)", share, stressLoss, margin]
                text += (names + numbers).joined(separator: ",") + "\n"
            }
        }
        return Data(text.utf8)
    }
}
