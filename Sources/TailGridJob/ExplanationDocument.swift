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

        enum CodingKeys: String, CodingKey {
            case kind, instrument, underlying, quantity, contribution, share
            case stressLoss = "stress_loss"
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

        enum CodingKeys: String, CodingKey {
            case id, currency, confidence, lines, underlyings, stress
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

    public static let method = "Euler allocation of ES: a line's contribution is the mean of its loss over the account's k largest-loss scenarios (replayed from seed and index), so contributions add up to ES; risk_factors is the waterfall spot, implied_vol, basis, skew (each stage's increment, cross terms with earlier stages included)"

    public init(plan: EnginePlan, explanations: [AccountExplanation]) {
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
        self.accounts = explanations.map { explanation in
            let es = explanation.expectedShortfall
            return Account(
                id: explanation.id, currency: explanation.currency, confidence: explanation.confidence,
                tailCount: explanation.tailCount, valueAtRisk: explanation.valueAtRisk, expectedShortfall: es,
                contributionSum: explanation.contributionSum,
                lines: explanation.lines.enumerated().map { index, line in
                    Line(kind: line.kind.rawValue, instrument: line.instrument, underlying: line.underlying, quantity: line.quantity,
                         contribution: line.contribution, share: es != 0 ? line.contribution / es : nil,
                         stressLoss: explanation.stress?.lineLosses[index])
                },
                underlyings: explanation.underlyings.map { Named(name: $0.symbol, contribution: $0.contribution) },
                riskFactors: explanation.riskFactors.map { Named(name: $0.factor, contribution: $0.contribution) },
                tailMeanSpotReturns: spots(explanation.tailMeanMoves), tailMeanVolMultipliers: vols(explanation.tailMeanMoves),
                worstScenarios: explanation.worstScenarios.map {
                    Scenario(scenario: $0.scenario, loss: $0.loss, spotReturns: spots($0.moves), volMultipliers: vols($0.moves))
                },
                stress: explanation.stress.map { Stress(scenario: $0.scenario, weight: $0.weight, loss: $0.loss) })
        }
    }

    public func jsonData() throws(JobError) -> Data {
        try ResultWriter.jsonData(self, name: "explain.json")
    }

    /// `account,currency,kind,instrument,underlying,quantity,contribution,share,stress_loss`,
    /// one row per line, accounts in the job's order (`stress_loss` empty without stress
    /// scenarios).
    public func csvData() -> Data {
        var text = "account,currency,kind,instrument,underlying,quantity,contribution,share,stress_loss\n"
        for account in accounts {
            for line in account.lines {
                let names = [account.id, account.currency, line.kind, line.instrument, line.underlying].map(ResultWriter.csvField)
                let numbers = ["\(line.quantity)", "\(line.contribution)", line.share.map { "\($0)" } ?? "",
                               line.stressLoss.map { "\($0)" } ?? ""]
                text += (names + numbers).joined(separator: ",") + "\n"
            }
        }
        return Data(text.utf8)
    }
}
