#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Student's t distribution with nu > 0 degrees of freedom (not necessarily whole).
///
/// The upper tail is P(T > t) = I_x(nu / 2, 1 / 2) / 2 with x = nu / (nu + t^2), t >= 0,
/// where I is the regularised incomplete beta function, evaluated by its continued
/// fraction (modified Lentz; Press et al., Numerical Recipes, 3rd ed., 6.4). The quantile
/// inverts the tail by bisection on log t, so it is monotone and exact to the bisection's
/// last bit. Used once per job (to place the draw cap), never in a hot loop.
public enum StudentTDistribution {
    /// P(T > t) for t >= 0.
    public static func upperTail(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        guard t > 0 else { return 0.5 }
        guard t.isFinite else { return 0 }
        let x = nu / (nu + t * t)
        return 0.5 * regularizedIncompleteBeta(x, a: nu / 2, b: 0.5)
    }

    /// The t with P(T > t) = `tail`, for `tail` in (0, 0.5].
    public static func upperQuantile(tail: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(tail > 0 && tail <= 0.5 && nu > 0)
        var low = -40.0   // log t
        var high = 700.0
        for _ in 0..<200 {
            let middle = 0.5 * (low + high)
            if upperTail(exp(middle), degreesOfFreedom: nu) > tail { low = middle } else { high = middle }
            if high - low < 1e-15 * Swift.max(1, abs(middle)) { break }
        }
        return exp(0.5 * (low + high))
    }

    /// I_x(a, b) for x in [0, 1], a, b > 0.
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the
        // symmetry I_x(a, b) = 1 - I_{1-x}(b, a) on the other side.
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * continuedFraction(1 - x, a: b, b: a) / b
    }

    static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            h *= step
            if abs(step - 1) < 1e-16 { break }
        }
        return h
    }
}
