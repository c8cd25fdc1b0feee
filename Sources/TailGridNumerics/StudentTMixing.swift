/// The mixing variable of a multivariate Student-t draw.
///
/// A unit-variance multivariate t with `degreesOfFreedom` nu > 2 is Z * sqrt((nu - 2) / W)
/// with Z multivariate normal and W ~ chi-square(nu) drawn once per scenario and
/// shared by every factor, so all factors fatten their tails together (the joint
/// crash that a factor-by-factor t would miss).
///
/// W = 2 G with G ~ Gamma(nu / 2, 1) by Marsaglia and Tsang (ACM TOMS 26, 2000),
/// shape nu / 2 > 1. Its rejection loop reads uniforms from its own Philox stream of
/// the scenario, attempt by attempt, so the draw still depends only on (seed, scenario).
public struct StudentTMixing: Sendable, Hashable {
    public let degreesOfFreedom: Double
    @usableFromInline let d: Double
    @usableFromInline let c: Double

    public init(degreesOfFreedom: Double) {
        precondition(degreesOfFreedom > 2, "Student-t needs more than 2 degrees of freedom for a finite variance")
        self.degreesOfFreedom = degreesOfFreedom
        self.d = degreesOfFreedom / 2 - 1.0 / 3.0
        self.c = 1 / (9 * d).squareRoot()
    }

    /// Each factor draw is capped at its two-sided 1e-6 quantile unless the job says otherwise.
    public static let defaultTailCap = 1e-6

    /// The cap on a unit-variance t draw: the t quantile with upper tail `tailCap`,
    /// scaled by sqrt((nu - 2) / nu) to unit variance. dof 3, 1e-6: 59.6 standard
    /// deviations; dof 5, 1e-6: 19.2.
    public static func drawCap(degreesOfFreedom nu: Double, tailCap: Double) -> Double {
        StudentTDistribution.upperQuantile(tail: tailCap, degreesOfFreedom: nu) * ((nu - 2) / nu).squareRoot()
    }

    /// The Philox stream the mixing variable reads from (normals use stream 0).
    public static let stream: UInt32 = 1

    /// sqrt((nu - 2) / W) for the scenario (and path step): the factor that scales every
    /// normal draw of that step. Step s reads draws s 2^20 + attempt, so step 0 reads
    /// exactly what a one-step model reads; an acceptance rate above 0.95 per attempt
    /// makes 2^20 attempts impossible in practice. The acceptance test's logarithms are
    /// `FastMath.log`'s, the same bits on every machine (libm's `log` may differ in the
    /// last bit between libraries and between its FMA and plain code), so a draw is
    /// accepted or rejected alike everywhere.
    @inlinable
    public func scale(generator: Philox4x32, scenario: UInt64, step: Int = 0) -> Double {
        var attempt = UInt32(truncatingIfNeeded: step) << 20
        while true {
            let (u1, u2) = generator.uniformPair(
                Philox4x32.counter(scenario: scenario, draw: attempt, stream: Self.stream))
            attempt &+= 1
            let x = NormalDistribution.quantile(u1)
            let t = 1 + c * x
            guard t > 0 else { continue }
            let v = t * t * t
            if FastMath.log(u2) < 0.5 * x * x + d - d * v + d * FastMath.log(v) {
                let chiSquare = 2 * d * v
                return ((degreesOfFreedom - 2) / chiSquare).squareRoot()
            }
        }
    }

    /// `scale(generator:scenario:step:)` of the scenarios firstScenario ..< firstScenario
    /// + count into `scales`: the same bits. Every scenario's first attempt is drawn 8 at
    /// a time (one `Philox4x32.blocks` call), its normal by AS 241 over rows of up to 256
    /// in vector registers (`NormalDistribution.quantiles`, the function of one by one);
    /// the few whose first attempt is rejected (0.2% at 30 degrees of freedom, 1.5% at 5,
    /// 5% at 2.05), a group of 8 whose counters' low words wrap, and the last count mod 8
    /// take `scale` itself. One by one, the Philox block and the quantile were a seventh
    /// of a small book's CPU.
    @inlinable
    public func scales(generator: Philox4x32, firstScenario: UInt64, count: Int, step: Int = 0,
                       into scales: UnsafeMutablePointer<Double>) {
        RowScratch.withTemporary {
            self.scales(generator: generator, firstScenario: firstScenario, count: count, step: step, into: scales, scratch: $0)
        }
    }

    /// `scales(generator:firstScenario:count:step:into:)` in `scratch`'s rows, allocating
    /// nothing.
    @inlinable
    public func scales(generator: Philox4x32, firstScenario: UInt64, count: Int, step: Int = 0,
                       into scales: UnsafeMutablePointer<Double>, scratch: RowScratch) {
        let attempt = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: step) << 20)
        let stream = SIMD8<UInt32>(repeating: Self.stream)
        let lanes = SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7)
        let rowSize = RowScratch.rowSize
        let normals = scratch.mixingRows
        let second = normals + rowSize
        var rowStart = 0
        while rowStart &+ 8 <= count {
            let n = Swift.min(rowSize, (count &- rowStart) & ~7)
            // Draws of attempt 0, 8 scenarios per Philox call; NaN marks a group of 8
            // whose counters' low words wrap (its scenarios go one by one).
            var group = 0
            while group < n {
                let first = firstScenario &+ UInt64(rowStart &+ group)
                let low = UInt32(truncatingIfNeeded: first)
                if low > UInt32.max - 7 {
                    for lane in 0..<8 {
                        normals[group &+ lane] = 0.5
                        second[group &+ lane] = .nan
                    }
                } else {
                    let high = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: first >> 32))
                    let (w0, w1, w2, w3) = generator.blocks(SIMD8(repeating: low) &+ lanes, high, attempt, stream)
                    UnsafeMutableRawPointer(normals + group)
                        .storeBytes(of: Philox4x32.openUniforms(high: w0, low: w1), as: SIMD8<Double>.self)
                    UnsafeMutableRawPointer(second + group)
                        .storeBytes(of: Philox4x32.openUniforms(high: w2, low: w3), as: SIMD8<Double>.self)
                }
                group &+= 8
            }
            NormalDistribution.quantiles(normals, count: n, scratch: scratch)
            // `scale`'s test, term for term, so each scenario decides as it does, in one
            // vectorised pass that marks in `second` the scenarios it rejects (a NaN
            // draw, the mark of a wrapping group, never passes); those go one by one.
            let target = scales + rowStart
            for index in 0..<n {
                let x = normals[index]
                let t = 1 + c * x
                let v = t * t * t
                let passes = FastMath.log(second[index]) < 0.5 * x * x + d - d * v + d * FastMath.log(v)
                let chiSquare = 2 * d * v
                target[index] = ((degreesOfFreedom - 2) / chiSquare).squareRoot()
                second[index] = t > 0 && passes ? 0 : 1
            }
            for index in 0..<n where second[index] != 0 {
                target[index] = scale(generator: generator, scenario: firstScenario &+ UInt64(rowStart &+ index),
                                      step: step)
            }
            rowStart &+= n
        }
        for index in rowStart..<Swift.max(rowStart, count) {
            scales[index] = scale(generator: generator, scenario: firstScenario &+ UInt64(index), step: step)
        }
    }
}
