/// Branch-free exp, log, erfc and the normal CDF for the engine's inner loops.
///
/// libm's functions are calls the compiler cannot vectorise; these are straight-line
/// polynomial code with selects instead of branches, so a plain loop over a row of
/// scenarios (`FastMath.exp(_:count:)` and friends, or any loop that inlines the scalar
/// forms) compiles to SIMD code. Swift never contracts a * b + c into an FMA, so a value
/// has the same bits whether it was computed in a vector lane or alone, on any x86-64 or
/// arm64 build: a chunk recomputed by an auditor on another machine still matches.
///
/// Accuracy (tested against libm on dense grids in `FastMathTests`): exp and log within
/// 2 ulp; erfc and the normal CDF within 4e-15 relative over the range where the value
/// is above 1e-300 (Cody's rational approximations). Arguments whose result would be
/// below e^-708 (about 3e-308) flush to zero.
public enum FastMath {
    /// e^x. Range reduction x = n ln 2 + r, |r| <= ln 2 / 2 (Cody-Waite, ln 2 in two parts
    /// so n ln2_hi is exact), e^r by its Taylor series to r^13 (truncation below 5e-18)
    /// in Estrin's scheme,
    /// then 2^(n-1) built in the exponent bits and a final doubling, so e^709.78 is finite.
    @inlinable @inline(__always)
    public static func exp(_ x: Double) -> Double {
        let shifter = 6755399441055744.0  // 1.5 * 2^52: adding it rounds to an integer
        let clamped = Swift.min(Swift.max(x, -708.0), 709.8)
        let shifted = clamped * 1.4426950408889634074 + shifter
        let n = shifted - shifter
        let r = (clamped - n * 0.693147180369123816490) - n * 1.90821492927058770002e-10
        // Estrin's scheme: pairs, then powers r^2, r^4, r^8, so the chain of dependent
        // operations is short and the loop is not bound by latency.
        let r2 = r * r
        let r4 = r2 * r2
        let r8 = r4 * r4
        let p01 = 1 + r
        let p23 = 1.0 / 2 + r * (1.0 / 6)
        let p45 = 1.0 / 24 + r * (1.0 / 120)
        let p67 = 1.0 / 720 + r * (1.0 / 5040)
        let p89 = 1.0 / 40320 + r * (1.0 / 362880)
        let p1011 = 1.0 / 3628800 + r * (1.0 / 39916800)
        let p1213 = 1.0 / 479001600 + r * (1.0 / 6227020800)
        let p03 = p01 + r2 * p23
        let p47 = p45 + r2 * p67
        let p811 = p89 + r2 * p1011
        let p = (p03 + r4 * p47) + r8 * (p811 + r4 * p1213)
        // The low bits of `shifted` hold n + 2^51; shifting by 52 drops everything else.
        let half = Double(bitPattern: (shifted.bitPattern &+ 1022) &<< 52)
        let value = p * half * 2
        let result = x < -708.0 ? 0 : (x > 709.8 ? Double.infinity : value)
        return x.isNaN ? x : result
    }

    /// ln x. x = 2^e m with m in [sqrt(1/2), sqrt 2), ln m = 2 atanh(f), f = (m - 1) / (m + 1),
    /// |f| <= 0.1716, by its series to f^23 (truncation below 1e-18); subnormals are scaled
    /// by 2^54 first. ln 0 = -inf, ln of a negative number or NaN is NaN, ln inf = inf.
    @inlinable @inline(__always)
    public static func log(_ x: Double) -> Double {
        let subnormal = x < 2.2250738585072014e-308
        let scaled = subnormal ? x * 18014398509481984.0 : x
        let bits = scaled.bitPattern
        let mantissa = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
        // The biased exponent (0...2047) as a double, exactly, without an int conversion.
        let biased = Double(bitPattern: 0x4330_0000_0000_0000 | (bits &>> 52)) - 4503599627370496.0
        let high = mantissa > 1.4142135623730950488
        let m = high ? mantissa * 0.5 : mantissa
        let e = biased - (subnormal ? 1077.0 : 1023.0) + (high ? 1.0 : 0.0)
        let f = (m - 1) / (m + 1)
        let s = f * f
        let s2 = s * s
        let s4 = s2 * s2
        let s8 = s4 * s4
        let p01 = 1.0 / 3 + s * (1.0 / 5)
        let p23 = 1.0 / 7 + s * (1.0 / 9)
        let p45 = 1.0 / 11 + s * (1.0 / 13)
        let p67 = 1.0 / 15 + s * (1.0 / 17)
        let p89 = 1.0 / 19 + s * (1.0 / 21)
        let p = (p01 + s2 * p23) + s4 * (p45 + s2 * p67) + s8 * (p89 + s2 * (1.0 / 23))
        let logM = 2 * f + 2 * f * (s * p)
        let value = e * 0.693147180369123816490 + (logM + e * 1.90821492927058770002e-10)
        let special = x == 0 ? -Double.infinity : (x == .infinity ? x : Double.nan)
        return x > 0 && x < .infinity ? value : special
    }

    /// erfc x by W. J. Cody's rational Chebyshev approximations (Math. Comp. 23, 1969;
    /// netlib specfun CALERF), with the three intervals |x| <= 0.46875, <= 4 and above
    /// evaluated side by side and selected, one division and one exp in all.
    /// erfc(-x) = 2 - erfc(x).
    @inlinable @inline(__always)
    public static func erfc(_ x: Double) -> Double {
        let y = Swift.min(Swift.abs(x), 27.0)
        let small = y <= 0.46875
        let rational = pick(small, nearZeroRational(y), pick(y <= 4, middleRational(y), tailRational(y)))
        return erfc(x, upper: rational.numerator / rational.denominator * (small ? 1 : erfcDecay(y)))
    }

    /// erfc x for |x| <= 0.46875: the bits of `erfc(_:)` there, with one interval's work.
    @inlinable @inline(__always)
    static func erfcNearZero(_ x: Double) -> Double {
        let (numerator, denominator) = nearZeroRational(Swift.min(Swift.abs(x), 27.0))
        return erfc(x, upper: numerator / denominator * 1)
    }

    /// erfc x for 0.46875 < |x| <= 4: the bits of `erfc(_:)` there.
    @inlinable @inline(__always)
    static func erfcMiddle(_ x: Double) -> Double {
        let y = Swift.min(Swift.abs(x), 27.0)
        let (numerator, denominator) = middleRational(y)
        return erfc(x, upper: numerator / denominator * erfcDecay(y))
    }

    /// erfc x for |x| > 4: the bits of `erfc(_:)` there.
    @inlinable @inline(__always)
    static func erfcTail(_ x: Double) -> Double {
        let y = Swift.min(Swift.abs(x), 27.0)
        let (numerator, denominator) = tailRational(y)
        return erfc(x, upper: numerator / denominator * erfcDecay(y))
    }

    /// `first` or `second` by a select per part, not a branch, so a loop stays vectorised.
    @inlinable @inline(__always)
    static func pick(_ takesFirst: Bool, _ first: (numerator: Double, denominator: Double),
                     _ second: (numerator: Double, denominator: Double)) -> (numerator: Double, denominator: Double) {
        (takesFirst ? first.numerator : second.numerator, takesFirst ? first.denominator : second.denominator)
    }

    /// erfc x from erfc |x|: erfc(-x) = 2 - erfc(x); NaN stays NaN.
    @inlinable @inline(__always)
    static func erfc(_ x: Double, upper: Double) -> Double {
        let value = x < 0 ? 2 - upper : upper
        return x.isNaN ? x : value
    }

    /// |x| <= 0.46875: erf = x A(x^2) / B(x^2), erfc = (B - x A) / B, at y = |x|. Each
    /// rational in Estrin's scheme (pairs, then even powers), for short chains.
    @inlinable @inline(__always)
    static func nearZeroRational(_ y: Double) -> (numerator: Double, denominator: Double) {
        let z = y * y
        let z2 = z * z
        let z4 = z2 * z2
        let a = (3.20937758913846947e3 + z * 3.77485237685302021e2)
            + z2 * (1.13864154151050156e2 + z * 3.16112374387056560e0) + z4 * 1.85777706184603153e-1
        let b = (2.84423683343917062e3 + z * 1.28261652607737228e3)
            + z2 * (2.44024637934444173e2 + z * 2.36012909523441209e1) + z4
        return (b - y * a, b)
    }

    /// 0.46875 < |x| <= 4: erfc = e^(-x^2) C(x) / D(x), at y = |x|.
    @inlinable @inline(__always)
    static func middleRational(_ y: Double) -> (numerator: Double, denominator: Double) {
        let y2 = y * y
        let y4 = y2 * y2
        let y8 = y4 * y4
        let c = ((1.23033935479799725e3 + y * 2.05107837782607147e3) + y2 * (1.71204761263407058e3 + y * 8.81952221241769090e2))
            + y4 * ((2.98635138197400131e2 + y * 6.61191906371416295e1) + y2 * (8.88314979438837594e0 + y * 5.64188496988670089e-1))
            + y8 * 2.15311535474403846e-8
        let d = ((1.23033935480374942e3 + y * 3.43936767414372164e3) + y2 * (4.36261909014324716e3 + y * 3.29079923573345963e3))
            + y4 * ((1.62138957456669019e3 + y * 5.37181101862009858e2) + y2 * (1.17693950891312499e2 + y * 1.57449261107098347e1))
            + y8
        return (c, d)
    }

    /// |x| > 4: erfc = e^(-x^2) (1/sqrt(pi) - w P(w) / Q(w)) / x, w = 1 / x^2, at y = |x|
    /// (at most 27).
    @inlinable @inline(__always)
    static func tailRational(_ y: Double) -> (numerator: Double, denominator: Double) {
        let w = 1 / Swift.max(y * y, 16)
        let w2 = w * w
        let w4 = w2 * w2
        let p = w * ((6.58749161529837803e-4 + w * 1.60837851487422766e-2) + w2 * (1.25781726111229246e-1 + w * 3.60344899949804439e-1)
            + w4 * (3.05326634961232344e-1 + w * 1.63153871373020978e-2))
        let q = (2.33520497626869185e-3 + w * 6.05183413124413191e-2) + w2 * (5.27905102951428412e-1 + w * 1.87295284992346725e0)
            + w4 * (2.56852019228982242e0 + w)
        return (5.6418958354775628695e-1 * q - p, q * y)
    }

    /// e^(-y^2) with y^2 = t^2 + (y - t)(y + t), t = y rounded to sixteenths so t^2 is
    /// exact (Cody), and the rounding of the sum carried as e^s (1 + lo): the exponent of
    /// a tail value near 1e-300 keeps its relative accuracy.
    @inlinable @inline(__always)
    static func erfcDecay(_ y: Double) -> Double {
        let t = (y * 16 + 6755399441055744.0 - 6755399441055744.0) / 16
        let square = -(t * t)
        let rest = -((y - t) * (y + t))
        let sum = square + rest
        let low = (square - sum) + rest
        return exp(sum) * (1 + low)
    }

    /// Phi(x) = erfc(-x / sqrt 2) / 2, the standard normal CDF.
    @inlinable @inline(__always)
    public static func normalCDF(_ x: Double) -> Double {
        0.5 * erfc(-x * 0.70710678118654752440)
    }

    /// e^x of `count` values in place.
    @inlinable
    public static func exp(_ values: UnsafeMutablePointer<Double>, count: Int) {
        for index in 0..<count { values[index] = exp(values[index]) }
    }

    /// ln x of `count` values in place.
    @inlinable
    public static func log(_ values: UnsafeMutablePointer<Double>, count: Int) {
        for index in 0..<count { values[index] = log(values[index]) }
    }
}
