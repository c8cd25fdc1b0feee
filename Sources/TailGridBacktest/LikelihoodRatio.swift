#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A likelihood-ratio statistic, asymptotically chi-squared with `degreesOfFreedom`
/// degrees of freedom under the null hypothesis, and its p-value P(chi2 >= statistic).
public struct LikelihoodRatio: Sendable, Hashable {
    public let statistic: Double
    public let degreesOfFreedom: Int
    public let pValue: Double

    /// `statistic` = -2 (log L0 - log L1); a tiny negative value from rounding counts as 0.
    init(statistic: Double, degreesOfFreedom: Int) {
        let statistic = Swift.max(0, statistic)
        self.statistic = statistic
        self.degreesOfFreedom = degreesOfFreedom
        self.pValue = Self.chiSquaredSurvival(statistic, degreesOfFreedom: degreesOfFreedom)
    }

    /// P(chi2_k >= x) for k = 1 or 2 in closed form: erfc(sqrt(x / 2)) and exp(-x / 2).
    static func chiSquaredSurvival(_ x: Double, degreesOfFreedom: Int) -> Double {
        switch degreesOfFreedom {
        case 1: erfc((x / 2).squareRoot())
        case 2: exp(-x / 2)
        default: .nan
        }
    }

    /// a log b, with 0 log 0 = 0 (a likelihood's term for an event seen 0 times).
    static func weightedLog(_ a: Double, _ b: Double) -> Double {
        a == 0 ? 0 : a * log(b)
    }
}
