import TailGridNumerics

/// The risk and margin of one account, from the merged summary of all its scenarios.
public struct AccountRisk: Sendable, Hashable {
    public let id: String
    /// What equity, losses and margin are measured in: USD, or the coin of a
    /// coin-margined account (`Account.marginCoin`).
    public let currency: String
    public let equity: Double
    /// One estimate per confidence level, in the job's order.
    public let estimates: [TailEstimate]
    /// Mean and standard deviation of the loss; nil when losses exceed the range of the
    /// exact moment sums (they are reported as absent; VaR, ES and margin come from the
    /// tail and are unaffected).
    public let meanLoss: Double?
    public let lossStandardDeviation: Double?
    public let histogram: LossHistogram
    public let margin: AccountMargin
    /// The account's stress results; nil when the job has no stress scenarios and no
    /// dependence stress.
    public let stress: AccountStress?
    /// The short-option minimum (`ShortOptionMinimum`); nil when the policy has none.
    public let shortOptionMinimum: Double?
    /// Net delta per underlying in coins, which the liquidity add-on priced; nil when
    /// the policy has no liquidity add-on.
    public let netDeltas: [String: Double]?
    /// Net vega per underlying in USD per vol point, which the liquidity add-on's vega
    /// part priced; nil without a traded vega (`LiquidityAddOn.vegaVolume`).
    public var netVegas: [String: Double]? = nil
}
