/// What drives one account's Expected Shortfall: the Euler contribution of each of its
/// lines, per underlying, and the market moves of its tail scenarios (`TailAttribution`).
///
/// ES is the mean of the k largest losses, ES = (1/k) sum_{s in T} L(s), and an account's
/// loss is a sum over its lines, L(s) = sum_i L_i(s), so ES = sum_i C_i with
/// C_i = (1/k) sum_{s in T} L_i(s): the mean of the line's loss over the tail scenarios,
/// the Euler allocation of ES (Tasche 1999), which holds for any book because the tail T
/// is held fixed. The contributions add up to ES to floating rounding.
public struct AccountExplanation: Sendable, Hashable {
    /// One line of the account: a position, a collateral coin held as spot in the
    /// scenarios (`margin.collateral: portfolio`), or, for a coin-margined account, the
    /// restatement of its value in the coin.
    public struct Line: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable {
            case position
            case collateral
            /// -(W / S' - W / S): a coin-margined account's value now, W USD, measured in
            /// the coin at the horizon's spot S' instead of today's S.
            case coinRestatement = "coin_restatement"
        }

        public let kind: Kind
        /// The instrument (a coin's name for collateral and the restatement).
        public let instrument: String
        public let underlying: String
        /// Signed quantity (coins for collateral, USD value W for the restatement).
        public let quantity: Double
        /// C_i, in the account's currency.
        public let contribution: Double
    }

    /// The horizon moves of one scenario, per price process (`TailAttribution.processes`).
    public struct Moves: Sendable, Hashable {
        /// S' / S - 1 per process.
        public let spotReturns: [Double]
        /// The implied-vol multiplier at term weight 1 per process (1 without a vol factor).
        public let volMultipliers: [Double]

        public init(spotReturns: [Double], volMultipliers: [Double]) {
            self.spotReturns = spotReturns
            self.volMultipliers = volMultipliers
        }
    }

    /// The contributions of one underlying's lines, summed.
    public struct UnderlyingContribution: Sendable, Hashable {
        public let symbol: String
        public let contribution: Double
    }

    /// What one kind of risk factor adds to ES in the waterfall spot, implied vol, basis,
    /// skew (`TailAttribution.stages`): the tail scenarios are priced again with only the
    /// stages up to this one moved, and the factor's contribution is the ES-weighted
    /// increment over the stage before. "spot" holds the spot and stablecoin paths and
    /// the funding they accrue; a later stage carries its cross terms with those before.
    /// The contributions add up to ES; the order is fixed, so the split is reproducible.
    public struct FactorContribution: Sendable, Hashable {
        public let factor: String
        public let contribution: Double
    }

    /// One of the largest losses, replayed.
    public struct Scenario: Sendable, Hashable {
        public let scenario: UInt64
        public let loss: Double
        public let moves: Moves
    }

    public let id: String
    public let currency: String
    public let confidence: Double
    /// k, the tail's length.
    public let tailCount: Int
    public let valueAtRisk: Double
    /// The mean of the k largest losses, as `TailEstimate` computes it.
    public let expectedShortfall: Double
    /// In the account's order: positions, then collateral, then the coin restatement.
    public let lines: [Line]
    /// Per underlying (`TailAttribution.processes` order, those with a line), the sum of its
    /// lines' contributions.
    public let underlyings: [UnderlyingContribution]
    /// Per kind of risk factor the market has, in waterfall order.
    public let riskFactors: [FactorContribution]
    /// The mean horizon moves over the k tail scenarios.
    public let tailMeanMoves: Moves
    /// The largest losses (at most `TailAttribution.worstScenarioCount`), largest first.
    public let worstScenarios: [Scenario]

    /// The account's worst stress scenario split by line: what drives the stress
    /// component, which is a single scenario's loss, so the split is exact (no Euler
    /// allocation needed): each line's loss in the scenario times its weight.
    public struct StressBreakdown: Sendable, Hashable {
        public let scenario: String
        public let weight: Double
        /// The weighted loss the margin policy saw (the lines' sum, to rounding).
        public let loss: Double
        /// Per line, in `lines`' order, its weighted loss in the scenario.
        public let lineLosses: [Double]
    }

    /// Nil when the job has no stress scenarios.
    public var stress: StressBreakdown? = nil

    /// sum_i C_i, which equals `expectedShortfall` to floating rounding.
    public var contributionSum: Double { lines.reduce(0) { $0 + $1.contribution } }
}
