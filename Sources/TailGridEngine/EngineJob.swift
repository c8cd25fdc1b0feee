import TailGridMarket
import TailGridNumerics

/// A complete, validated job as the engine takes it: what to simulate and for whom.
/// The job-file layer builds it; nothing in it refers to files.
public struct EngineJob: Sendable {
    /// The correlation of the factors the job lists; unlisted factors are independent.
    public struct FactorCorrelation: Sendable, Hashable {
        public let factors: [String]
        public let matrix: CorrelationMatrix
        /// Frobenius distance moved by `repair: nearest`; nil when no repair was asked.
        public let repairDistance: Double?

        public init(factors: [String], matrix: CorrelationMatrix, repairDistance: Double? = nil) {
            precondition(factors.count == matrix.dimension)
            self.factors = factors
            self.matrix = matrix
            self.repairDistance = repairDistance
        }
    }

    public var name: String
    public var seed: UInt64
    public var scenarios: Int
    public var horizonDays: Double
    /// Confidence levels, the first of which sets the margin.
    public var confidences: [Double]
    public var chunkSize: Int
    public var model: ScenarioModel
    public var market: MarketData
    public var correlation: FactorCorrelation?
    /// Haircut per collateral currency, in [0, 1).
    public var haircuts: [String: Double]
    public var accounts: [Account]
    public var margin: MarginPolicy
    public var aggregation: PositionMatrix.Mode

    public init(name: String, seed: UInt64, scenarios: Int, horizonDays: Double, confidences: [Double],
                chunkSize: Int = ChunkPlan.defaultChunkSize, model: ScenarioModel = .gaussian,
                market: MarketData, correlation: FactorCorrelation? = nil, haircuts: [String: Double] = [:],
                accounts: [Account], margin: MarginPolicy = MarginPolicy(),
                aggregation: PositionMatrix.Mode = .automatic) {
        self.name = name
        self.seed = seed
        self.scenarios = scenarios
        self.horizonDays = horizonDays
        self.confidences = confidences
        self.chunkSize = chunkSize
        self.model = model
        self.market = market
        self.correlation = correlation
        self.haircuts = haircuts
        self.accounts = accounts
        self.margin = margin
        self.aggregation = aggregation
    }

    /// tau = horizon_days / 365.
    public var horizonYears: Double { horizonDays / 365 }

    /// The factors the market implies, in order: per underlying (sorted by symbol) its
    /// spot factor, then its vol factor when it has a vol of vol.
    public static func factors(of market: MarketData) -> [RiskFactor] {
        var factors: [RiskFactor] = []
        for (index, underlying) in market.underlyings.enumerated() {
            factors.append(RiskFactor(name: underlying.symbol, underlyingIndex: index, kind: .spot,
                                      volatility: underlying.spotScenarioVol))
            if let volOfVol = underlying.volOfVol {
                factors.append(RiskFactor(name: underlying.symbol + ".vol", underlyingIndex: index,
                                          kind: .impliedVol, volatility: volOfVol))
            }
        }
        return factors
    }
}
