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
    /// Steps of each scenario path over the horizon (`paths.steps`); 1 is one step.
    public var steps: Int
    /// The stress scenarios (`stress:`); none by default.
    public var stress: StressTest
    /// The dependence stress (`stress.dependence`); nil by default.
    public var dependence: DependenceStress?
    /// The 10-year lookback floor on margin (`margin.apc: { method: lookback_floor }`);
    /// nil by default.
    public var lookbackFloor: LookbackFloor?

    public init(name: String, seed: UInt64, scenarios: Int, horizonDays: Double, confidences: [Double],
                chunkSize: Int = ChunkPlan.defaultChunkSize, model: ScenarioModel = .gaussian,
                market: MarketData, correlation: FactorCorrelation? = nil, haircuts: [String: Double] = [:],
                accounts: [Account], margin: MarginPolicy = MarginPolicy(),
                aggregation: PositionMatrix.Mode = .automatic, steps: Int = 1,
                stress: StressTest = StressTest(scenarios: []), dependence: DependenceStress? = nil) {
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
        self.steps = steps
        self.stress = stress
        self.dependence = dependence
    }

    /// tau = horizon_days / 365.
    public var horizonYears: Double { horizonDays / 365 }

    /// The most factors x steps a job may draw per scenario (each thread holds two
    /// buffers of that many tiles: 8,192 x 256 doubles is 16 MiB each).
    public static let maxDrawsPerScenario = 8_192

    /// The factors the market implies, in order: per underlying (sorted by symbol) its
    /// spot factor, then its vol, basis and skew factors when it has a vol of vol, a
    /// carry vol and a skew vol; then each depegging stablecoin's price factor.
    public static func factors(of market: MarketData) -> [RiskFactor] {
        var factors: [RiskFactor] = []
        for (index, underlying) in market.underlyings.enumerated() {
            let vols: [(RiskFactor.Kind, Double?)] = [
                (.spot, underlying.spotScenarioVol), (.impliedVol, underlying.volOfVol),
                (.basis, underlying.carryVol), (.skew, underlying.skewVol),
            ]
            for case let (kind, volatility?) in vols {
                factors.append(RiskFactor(name: underlying.symbol + kind.suffix, underlyingIndex: index, kind: kind,
                                          volatility: volatility))
            }
        }
        for (index, stablecoin) in market.stablecoins.enumerated() {
            factors.append(RiskFactor(name: stablecoin.symbol, underlyingIndex: index, kind: .depeg,
                                      volatility: stablecoin.depegVol))
        }
        return factors
    }
}
