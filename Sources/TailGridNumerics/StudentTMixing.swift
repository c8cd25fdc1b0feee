#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    /// makes 2^20 attempts impossible in practice.
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
            if log(u2) < 0.5 * x * x + d - d * v + d * log(v) {
                let chiSquare = 2 * d * v
                return ((degreesOfFreedom - 2) / chiSquare).squareRoot()
            }
        }
    }
}
