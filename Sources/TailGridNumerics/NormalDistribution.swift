/// The standard normal distribution.
///
/// The quantile is Wichura's algorithm AS 241 (PPND16, Applied Statistics 37, 1988),
/// accurate to about 1e-16 relative over (0, 1); TailGrid draws normals by inversion
/// because it maps one uniform to one normal, keeps the tails monotone in the uniform
/// and needs no rejection, so a draw depends on nothing but its own counter.
public enum NormalDistribution {
    /// Phi(x), through erfc so the lower tail keeps its relative accuracy
    /// (`FastMath.normalCDF`, the same bits as the engine's vectorised rows).
    @inlinable
    public static func cdf(_ x: Double) -> Double {
        FastMath.normalCDF(x)
    }

    /// The density phi(x).
    @inlinable
    public static func pdf(_ x: Double) -> Double {
        0.39894228040143267794 * FastMath.exp(-0.5 * x * x)
    }

    /// Phi^-1(p) for p in (0, 1) (AS 241).
    @inlinable
    public static func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "normal quantile needs p in (0, 1)")
        return uncheckedQuantile(p)
    }

    /// Phi^-1 of `count` probabilities in (0, 1), in place: the bits of
    /// `uncheckedQuantile` one by one. Rows of up to 256 take two vectorised passes: the
    /// central rational for every value, which also packs the 15% of values outside it
    /// (and their places) branch-free, then the tail rational and its logarithm for those
    /// only, put back in their places. Computing both for every value, as one by one
    /// does, spent most of the time on a tail most values do not need.
    @inlinable
    public static func quantiles(_ values: UnsafeMutablePointer<Double>, count: Int) {
        RowScratch.withTemporary { quantiles(values, count: count, scratch: $0) }
    }

    /// `quantiles(_:count:)` in `scratch`'s rows, allocating nothing.
    @inlinable
    public static func quantiles(_ values: UnsafeMutablePointer<Double>, count: Int, scratch: RowScratch) {
        let rowSize = RowScratch.rowSize
        let tails = scratch.quantileTails
        let places = scratch.quantilePlaces
        var start = 0
        while start < count {
            let row = values + start
            let n = Swift.min(rowSize, count &- start)
            var packed = 0
            for index in 0..<n {
                let p = row[index]
                tails[packed] = p
                places[packed] = index
                packed &+= isCentral(p) ? 0 : 1
                row[index] = centralQuantile(p)
            }
            for index in 0..<packed { tails[index] = tailQuantile(tails[index]) }
            for index in 0..<packed { row[places[index]] = tails[index] }
            start &+= n
        }
    }

    /// Whether AS 241 takes its central rational for p: |p - 1/2| <= 0.425.
    @inlinable @inline(__always)
    static func isCentral(_ p: Double) -> Bool {
        Swift.abs(p - 0.5) <= 0.425
    }

    /// AS 241's central rational, q a(r) / b(r) with q = p - 1/2, r = 0.180625 - q^2:
    /// `uncheckedQuantile`'s value where `isCentral(p)`, the same operations.
    @inlinable @inline(__always)
    static func centralQuantile(_ p: Double) -> Double {
        let q = p - 0.5
        let r = 0.180625 - q * q
        var a = 2509.0809287301226727 * r + 33430.575583588128105
        var b = 5226.495278852545925 * r + 28729.085735721942674
        a = a * r + 67265.770927008700853
        b = b * r + 39307.89580009271061
        a = a * r + 45921.953931549871457
        b = b * r + 21213.794301586595867
        a = a * r + 13731.693765509461125
        b = b * r + 5394.1960214247511077
        a = a * r + 1971.5909503065514427
        b = b * r + 687.1870074920579083
        a = a * r + 133.14166789178437745
        b = b * r + 42.313330701600911252
        a = a * r + 3.387132872796366608
        b = b * r + 1.0
        return q * a / b
    }

    /// AS 241's tail rational in s = sqrt(-ln min(p, 1 - p)) (its two coefficient sets,
    /// s <= 5 and above, chosen per value), its sign p's side of 1/2: the quantile where
    /// not `isCentral(p)`.
    @inlinable @inline(__always)
    static func tailQuantile(_ p: Double) -> Double {
        let q = p - 0.5
        let tail = Swift.min(p, 1 - p)
        let s = (-FastMath.log(tail)).squareRoot()
        let near = s <= 5
        let t = near ? s - 1.6 : s - 5
        var c = near ? 7.7454501427834140764e-4 : 2.01033439929228813265e-7
        var d = near ? 1.05075007164441684324e-9 : 2.04426310338993978564e-15
        c = c * t + (near ? 0.0227238449892691845833 : 2.71155556874348757815e-5)
        d = d * t + (near ? 5.475938084995344946e-4 : 1.4215117583164458887e-7)
        c = c * t + (near ? 0.24178072517745061177 : 0.0012426609473880784386)
        d = d * t + (near ? 0.0151986665636164571966 : 1.8463183175100546818e-5)
        c = c * t + (near ? 1.27045825245236838258 : 0.026532189526576123093)
        d = d * t + (near ? 0.14810397642748007459 : 7.868691311456132591e-4)
        c = c * t + (near ? 3.64784832476320460504 : 0.29656057182850489123)
        d = d * t + (near ? 0.68976733498510000455 : 0.0148753612908506148525)
        c = c * t + (near ? 5.7694972214606914055 : 1.7848265399172913358)
        d = d * t + (near ? 1.6763848301838038494 : 0.13692988092273580531)
        c = c * t + (near ? 4.6303378461565452959 : 5.4637849111641143699)
        d = d * t + (near ? 2.05319162663775882187 : 0.59983220655588793769)
        c = c * t + (near ? 1.42343711074968357734 : 6.6579046435011037772)
        d = d * t + 1.0
        return (q < 0 ? -c : c) / d
    }

    /// AS 241 without branches: the central and the tail rational are both evaluated and
    /// one is selected, with the branch-free `FastMath.log`, so a loop over values
    /// compiles to SIMD code. Callers guarantee p in (0, 1).
    @inlinable @inline(__always)
    public static func uncheckedQuantile(_ p: Double) -> Double {
        let central = centralQuantile(p)
        let tail = tailQuantile(p)
        return isCentral(p) ? central : tail
    }
}
