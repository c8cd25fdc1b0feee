#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TailGridNumerics

/// Black's 1976 formula for a European option on a forward F, discounted by D:
/// call = D (F Phi(d1) - K Phi(d2)), put = D (K Phi(-d2) - F Phi(-d1)),
/// d1,2 = (ln(F / K) +/- sigma^2 T / 2) / (sigma sqrt(T)).
///
/// With F = S e^(bT) and D = e^(-rT) it is the generalised Black-Scholes-Merton
/// formula of Haug's "Complete Guide to Option Pricing Formulas".
public enum Black76 {
    /// The price; at T <= 0 or sigma <= 0 it is the discounted intrinsic value.
    @inlinable
    public static func price(forward: Double, strike: Double, time: Double, volatility: Double,
                             discount: Double, right: Instrument.Right) -> Double {
        let deviation = volatility * time.squareRoot()
        guard time > 0, deviation > 0 else {
            let intrinsic = right == .call ? forward - strike : strike - forward
            return discount * Swift.max(intrinsic, 0)
        }
        let d1 = (log(forward / strike) + 0.5 * deviation * deviation) / deviation
        let d2 = d1 - deviation
        switch right {
        case .call:
            return discount * (forward * NormalDistribution.cdf(d1) - strike * NormalDistribution.cdf(d2))
        case .put:
            return discount * (strike * NormalDistribution.cdf(-d2) - forward * NormalDistribution.cdf(-d1))
        }
    }

    /// dV/dF: D Phi(d1) for a call, D (Phi(d1) - 1) for a put; at T <= 0 or sigma <= 0
    /// the intrinsic value's (D or 0, -D or 0).
    /// dV/dsigma per unit of vol (1.00 = 100 vol points): D F phi(d1) sqrt(T), the same
    /// for calls and puts; 0 at expiry or zero vol.
    public static func vega(forward: Double, strike: Double, time: Double, volatility: Double, discount: Double) -> Double {
        let deviation = volatility * time.squareRoot()
        guard time > 0, deviation > 0, forward > 0, strike > 0 else { return 0 }
        let d1 = (log(forward / strike) + 0.5 * deviation * deviation) / deviation
        return discount * forward * exp(-0.5 * d1 * d1) / (2 * Double.pi).squareRoot() * time.squareRoot()
    }

    public static func forwardDelta(forward: Double, strike: Double, time: Double, volatility: Double,
                                    discount: Double, right: Instrument.Right) -> Double {
        let deviation = volatility * time.squareRoot()
        guard time > 0, deviation > 0 else {
            switch right {
            case .call: return forward > strike ? discount : 0
            case .put: return forward < strike ? -discount : 0
            }
        }
        let d1 = (log(forward / strike) + 0.5 * deviation * deviation) / deviation
        return discount * (right == .call ? NormalDistribution.cdf(d1) : NormalDistribution.cdf(d1) - 1)
    }
}
