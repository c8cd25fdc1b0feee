/// VaR backtest of a series of exception indicators (I_t = 1 when the realised loss
/// exceeded the VaR at confidence a; p = 1 - a):
///
/// - **Kupiec (1995) proportion of failures**, chi2(1):
///   LR_uc = -2 [(T - x) ln(1 - p) + x ln p - (T - x) ln(1 - x / T) - x ln(x / T)]
///   with x exceptions in T days.
/// - **Christoffersen (1998) independence**, chi2(1), from the transitions n_ij of
///   I_(t-1) = i to I_t = j: pi_01 = n01 / (n00 + n01), pi_11 = n11 / (n10 + n11),
///   pi = (n01 + n11) / (T - 1),
///   LR_ind = -2 [(n00 + n10) ln(1 - pi) + (n01 + n11) ln pi
///                - n00 ln(1 - pi_01) - n01 ln pi_01 - n10 ln(1 - pi_11) - n11 ln pi_11].
/// - **Conditional coverage**, chi2(2): LR_cc = LR_uc + LR_ind.
///
/// With 0 ln 0 = 0 throughout. p-values are the chi-squared survival functions.
public struct CoverageBacktest: Sendable, Hashable {
    public let observations: Int
    public let exceptions: Int
    public let confidence: Double
    public let kupiec: LikelihoodRatio
    /// nil with fewer than two observations (no transition to count).
    public let independence: LikelihoodRatio?
    public let conditionalCoverage: LikelihoodRatio?
    public let trafficLight: TrafficLight

    /// T (1 - a), the exceptions a correct model expects.
    public var expectedExceptions: Double { Double(observations) * (1 - confidence) }

    public init(exceptions indicators: [Bool], confidence: Double) throws(BacktestError) {
        guard confidence > 0, confidence < 1 else {
            throw BacktestError("the confidence must be in (0, 1), got \(confidence)")
        }
        guard !indicators.isEmpty else { throw BacktestError("a backtest needs at least one day") }
        let t = Double(indicators.count)
        let x = Double(indicators.count { $0 })
        let p = 1 - confidence
        let w = LikelihoodRatio.weightedLog
        let uc = -2 * (w(t - x, 1 - p) + w(x, p) - w(t - x, 1 - x / t) - w(x, x / t))
        self.observations = indicators.count
        self.exceptions = Int(x)
        self.confidence = confidence
        self.kupiec = LikelihoodRatio(statistic: uc, degreesOfFreedom: 1)
        if indicators.count >= 2 {
            var n = [[0.0, 0.0], [0.0, 0.0]]
            for (previous, current) in zip(indicators, indicators.dropFirst()) {
                n[previous ? 1 : 0][current ? 1 : 0] += 1
            }
            let (n00, n01, n10, n11) = (n[0][0], n[0][1], n[1][0], n[1][1])
            let pi01 = n00 + n01 > 0 ? n01 / (n00 + n01) : 0
            let pi11 = n10 + n11 > 0 ? n11 / (n10 + n11) : 0
            let pi = (n01 + n11) / (t - 1)
            let restricted = w(n00 + n10, 1 - pi) + w(n01 + n11, pi)
            let unrestricted = w(n00, 1 - pi01) + w(n01, pi01) + w(n10, 1 - pi11) + w(n11, pi11)
            let independence = LikelihoodRatio(statistic: -2 * (restricted - unrestricted), degreesOfFreedom: 1)
            self.independence = independence
            self.conditionalCoverage = LikelihoodRatio(statistic: kupiec.statistic + independence.statistic,
                                                       degreesOfFreedom: 2)
        } else {
            self.independence = nil
            self.conditionalCoverage = nil
        }
        self.trafficLight = TrafficLight(exceptions: Int(x), observations: indicators.count, confidence: confidence)
    }
}
