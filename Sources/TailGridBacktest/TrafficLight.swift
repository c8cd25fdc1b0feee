#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Basel traffic light (Basel Committee, "Supervisory framework for the use of
/// backtesting", 1996): with x exceptions in T days at confidence a, the zone follows
/// the binomial probability P(X <= x), X ~ Bin(T, 1 - a), of a correct model showing
/// that many or fewer: green below 95%, yellow from 95% to below 99.99%, red from 99.99%.
/// For T = 250 at 99% that is green 0-4, yellow 5-9, red 10 or more.
public struct TrafficLight: Sendable, Hashable {
    public enum Zone: String, Sendable, Hashable {
        case green, yellow, red
    }

    public let zone: Zone
    /// P(X <= x) under a correct model.
    public let cumulativeProbability: Double

    public init(exceptions: Int, observations: Int, confidence: Double) {
        let probability = Self.binomialCumulative(exceptions, trials: observations, success: 1 - confidence)
        self.cumulativeProbability = probability
        // The Basel tables round to 0.01%: compare with a hair of slack for the log-space sum.
        self.zone = probability >= 0.9999 - 1e-12 ? .red : (probability >= 0.95 - 1e-12 ? .yellow : .green)
    }

    /// P(X <= k) for X ~ Bin(n, p), summed term by term in log space.
    static func binomialCumulative(_ k: Int, trials n: Int, success p: Double) -> Double {
        guard k >= 0 else { return 0 }
        guard k < n else { return 1 }
        let logP = log(p), logQ = log1p(-p)
        let logFactorialN = logGamma(Double(n) + 1)
        var total = 0.0
        for i in 0...k {
            let logTerm = logFactorialN - logGamma(Double(i) + 1) - logGamma(Double(n - i) + 1)
                + Double(i) * logP + Double(n - i) * logQ
            total += exp(logTerm)
        }
        return Swift.min(1, total)
    }

    /// ln Gamma(x) for x > 0.
    static func logGamma(_ x: Double) -> Double {
        let value: Double = lgamma(x)
        return value
    }
}
