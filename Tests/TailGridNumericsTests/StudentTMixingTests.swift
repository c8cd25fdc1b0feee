import Foundation
import Testing
import TailGridNumerics

@Suite("Student-t mixing variable")
struct StudentTMixingTests {
    /// E[s^2] = (nu - 2) E[1 / W] = 1 for W ~ chi-square(nu), so t draws have unit variance.
    /// With nu = 10, Var(s^2) = (nu - 2)^2 Var(1/W) = 64 * 2 / (8^2 * 6) = 1/3; 200,000 draws
    /// give a standard error of 0.0013, and the test allows 4 of them.
    @Test func scaleSquaredHasMeanOne() {
        let mixing = StudentTMixing(degreesOfFreedom: 10)
        let generator = Philox4x32(seed: 7)
        let n = 200_000
        var sum = 0.0
        for scenario in 0..<n {
            let scale = mixing.scale(generator: generator, scenario: UInt64(scenario))
            sum += scale * scale
        }
        let mean = sum / Double(n)
        #expect(abs(mean - 1) < 4 * (1.0 / 3 / Double(n)).squareRoot())
    }

    /// The t tail: P(T > t_0.99) = 1% for nu = 5 (t_0.99(5) = 3.364930 for the of the
    /// standard t, sqrt(3/5) times that at unit variance). 400,000 draws, 4 standard errors.
    @Test func tailProbabilityMatchesTheTDistribution() {
        let nu = 5.0
        let mixing = StudentTMixing(degreesOfFreedom: nu)
        let generator = Philox4x32(seed: 11)
        let threshold = 3.3649299989072174 * ((nu - 2) / nu).squareRoot()
        let n = 400_000
        var exceed = 0
        for scenario in 0..<n {
            let (u, _) = generator.uniformPair(Philox4x32.counter(scenario: UInt64(scenario), draw: 0, stream: 0))
            let draw = NormalDistribution.quantile(u) * mixing.scale(generator: generator, scenario: UInt64(scenario))
            if draw > threshold { exceed += 1 }
        }
        let p = Double(exceed) / Double(n)
        #expect(abs(p - 0.01) < 4 * (0.01 * 0.99 / Double(n)).squareRoot(), "tail frequency \(p)")
    }

    /// Eight at a time gives the bits of one by one: first attempts accepted and rejected
    /// (236 of these 5,149 at 2.05 degrees of freedom, 77 at 5, 9 at 30), later steps, a
    /// group of 8 whose counters' low words wrap at 2^32, and a count that is no multiple
    /// of 8.
    @Test(arguments: [2.05, 3.0, 5.0, 30.0])
    func scalesAreTheBitsOfScale(degreesOfFreedom: Double) {
        let mixing = StudentTMixing(degreesOfFreedom: degreesOfFreedom)
        let generator = Philox4x32(seed: 29)
        var rejected = 0
        for (first, count, step) in [(UInt64(0), 4096, 0), (UInt64(1) << 40 | 256, 1024, 3), ((UInt64(1) << 32) - 12, 29, 1)] {
            var scales = [Double](repeating: .nan, count: count)
            scales.withUnsafeMutableBufferPointer {
                mixing.scales(generator: generator, firstScenario: first, count: count, step: step, into: $0.baseAddress!)
            }
            for index in 0..<count {
                let scenario = first + UInt64(index)
                let one = mixing.scale(generator: generator, scenario: scenario, step: step)
                #expect(scales[index].bitPattern == one.bitPattern, "scenario \(scenario), step \(step)")
                // Rejected at the first attempt: the draw of attempt 0 (scale's own test).
                let (u1, u2) = generator.uniformPair(Philox4x32.counter(scenario: scenario, draw: UInt32(step) << 20,
                                                                      stream: StudentTMixing.stream))
                let x = NormalDistribution.quantile(u1)
                let t = 1 + (1 / (9 * (degreesOfFreedom / 2 - 1.0 / 3.0)).squareRoot()) * x
                let dd = degreesOfFreedom / 2 - 1.0 / 3.0
                if !(t > 0 && log(u2) < 0.5 * x * x + dd - dd * (t * t * t) + dd * log(t * t * t)) { rejected += 1 }
            }
        }
        #expect(rejected > 5, "the one-by-one path was taken \(rejected) times")
    }

    @Test func drawIsAPureFunctionOfSeedAndScenario() {
        let mixing = StudentTMixing(degreesOfFreedom: 4)
        let a = mixing.scale(generator: Philox4x32(seed: 3), scenario: 123_456)
        let b = mixing.scale(generator: Philox4x32(seed: 3), scenario: 123_456)
        let c = mixing.scale(generator: Philox4x32(seed: 4), scenario: 123_456)
        #expect(a.bitPattern == b.bitPattern)
        #expect(a != c)
    }
}

/// Student-t quantiles against scipy 1.17 (`scipy.stats.t.isf(p, nu)`), to 1e-9 relative.
@Suite struct StudentTDistributionTests {
    @Test(arguments: [
        (3.0, 1e-3, 10.214531852407385), (3.0, 1e-6, 103.29946778041935), (5.0, 1e-2, 3.364929998907218),
        (5.0, 1e-6, 24.771029720515948), (2.05, 1e-6, 612.3370566709859), (10.0, 0.025, 2.2281388519862753),
        (30.0, 1e-9, 8.445862796274243), (4.5, 1e-4, 11.020996368612229),
    ])
    func upperQuantilesMatchScipy(nu: Double, tail: Double, expected: Double) {
        let q = StudentTDistribution.upperQuantile(tail: tail, degreesOfFreedom: nu)
        #expect(abs(q / expected - 1) < 1e-9, "t(\(nu)) tail \(tail): \(q) vs \(expected)")
    }

    @Test func tailAndCapMatchScipy() {
        // scipy.stats.t.sf(2.5, 3.7) = 0.03591101145591339
        #expect(abs(StudentTDistribution.upperTail(2.5, degreesOfFreedom: 3.7) - 0.03591101145591339) < 1e-13)
        // t.isf(1e-6, 3) * sqrt(1/3) = 59.63997553017018
        #expect(abs(StudentTMixing.drawCap(degreesOfFreedom: 3, tailCap: 1e-6) - 59.63997553017018) < 1e-7)
        #expect(StudentTDistribution.upperTail(0, degreesOfFreedom: 3) == 0.5)
        #expect(StudentTDistribution.upperTail(.infinity, degreesOfFreedom: 3) == 0)
    }
}
