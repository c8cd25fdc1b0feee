/// Value-at-Risk and Expected Shortfall at one confidence level, with their precision.
///
/// With N scenarios and confidence a, k = ceil(N (1 - a)) (N (1 - a) within 1e-9 of an
/// integer counts as that integer, so N = 100000, a = 0.99 gives k = 1000, not 1001).
/// VaR is the k-th largest loss and ES the mean of the k largest.
///
/// Precision:
/// - VaR: a distribution-free 95% interval from order statistics. The number of
///   losses above the true quantile is Binomial(N, p), p = 1 - a, so the interval is
///   [L(k_hi), L(k_lo)] with k_lo,hi = k -/+ 1.96 sqrt(N p (1 - p)) (L(j): j-th largest).
/// - ES: the asymptotic standard error of the tail-mean estimator
///   (Brazauskas, Jones, Puri and Zitikis 2008),
///   se = sqrt((s_tail^2 + a (ES - VaR)^2) / (N p)),
///   with s_tail^2 the sample variance of the k largest losses.
public struct TailEstimate: Sendable, Hashable {
    public var confidence: Double
    /// k: how many of the largest losses the estimate averages.
    public var tailCount: Int
    public var valueAtRisk: Double
    public var expectedShortfall: Double
    public var valueAtRiskInterval95: ClosedRange<Double>
    public var expectedShortfallStandardError: Double
    /// The scenario whose loss is the VaR: replaying it shows what drives the tail.
    public var valueAtRiskScenario: UInt64

    static let z95 = 1.959963984540054

    /// k = ceil(N (1 - a)), guarded against the floating error in 1 - a.
    public static func tailCount(scenarios: Int, confidence: Double) -> Int {
        let exact = Double(scenarios) * (1 - confidence)
        let nearest = exact.rounded()
        let k = abs(exact - nearest) <= 1e-9 * Swift.max(1, exact) ? nearest : exact.rounded(.up)
        return Swift.min(scenarios, Swift.max(1, Int(k)))
    }

    /// The ranks (1-based) bounding the 95% order-statistic interval of the VaR.
    public static func intervalRanks(scenarios: Int, confidence: Double) -> (low: Int, high: Int) {
        let k = Double(tailCount(scenarios: scenarios, confidence: confidence))
        let p = 1 - confidence
        let spread = z95 * (Double(scenarios) * p * (1 - p)).squareRoot()
        let low = Swift.max(1, Int((k - spread).rounded(.down)))
        let high = Swift.min(scenarios, Int((k + spread).rounded(.up)))
        return (low, high)
    }

    /// How many of the largest losses a tail must keep to estimate every level.
    public static func requiredTailLength(scenarios: Int, confidences: [Double]) -> Int {
        confidences.map { intervalRanks(scenarios: scenarios, confidence: $0).high }.max() ?? 1
    }

    /// Estimates from a tail ranked largest first holding at least
    /// `requiredTailLength(scenarios:confidences:)` losses.
    public init(confidence: Double, scenarios: Int, rankedTail: [TailLoss]) {
        let k = Self.tailCount(scenarios: scenarios, confidence: confidence)
        let ranks = Self.intervalRanks(scenarios: scenarios, confidence: confidence)
        precondition(rankedTail.count >= ranks.high, "the tail holds fewer losses than the estimate needs")
        var sum = 0.0
        for index in 0..<k { sum += rankedTail[index].loss }
        let es = sum / Double(k)
        let valueAtRisk = rankedTail[k - 1].loss
        var squares = 0.0
        for index in 0..<k {
            let deviation = rankedTail[index].loss - es
            squares += deviation * deviation
        }
        let tailVariance = k > 1 ? squares / Double(k - 1) : 0
        let p = 1 - confidence
        let shortfallGap = es - valueAtRisk
        let variance = (tailVariance + confidence * shortfallGap * shortfallGap) / (Double(scenarios) * p)

        self.confidence = confidence
        self.tailCount = k
        self.valueAtRisk = valueAtRisk
        self.expectedShortfall = es
        self.valueAtRiskInterval95 = rankedTail[ranks.high - 1].loss...rankedTail[ranks.low - 1].loss
        self.expectedShortfallStandardError = variance.squareRoot()
        self.valueAtRiskScenario = rankedTail[k - 1].scenario
    }
}
