import Foundation
import Testing
import TailGridNumerics

/// The branch-free kernels against glibc's libm on dense grids. Tolerances are in units
/// in the last place (ulp) of the libm value, or relative where stated; each test states
/// the largest error it allows, and the grids cover every range the engine feeds them.
@Suite("Branch-free exp, log, erfc and Phi against libm")
struct FastMathTests {
    static func ulps(_ value: Double, _ reference: Double) -> Double {
        guard value != reference else { return 0 }
        return abs(value - reference) / reference.ulp
    }

    /// exp within 2 ulp on 2,000,001 points of [-708, 709.78], and in rows (the SIMD path)
    /// the same bits as one at a time.
    @Test func expMatchesLibm() {
        var worst = 0.0
        let count = 2_000_001
        var row = [Double](repeating: 0, count: count)
        for index in 0..<count {
            let x = -708 + 1417.78 * Double(index) / Double(count - 1)
            row[index] = x
            worst = max(worst, Self.ulps(FastMath.exp(x), Foundation.exp(x)))
        }
        #expect(worst <= 2, "exp: \(worst) ulp")
        let inputs = row
        row.withUnsafeMutableBufferPointer { FastMath.exp($0.baseAddress!, count: count) }
        #expect(zip(row, inputs).allSatisfy { $0.bitPattern == FastMath.exp($1).bitPattern })
        // Around zero, where relative accuracy is hardest to keep.
        for x in stride(from: -1e-3, through: 1e-3, by: 1.37e-7) {
            worst = max(worst, Self.ulps(FastMath.exp(x), Foundation.exp(x)))
        }
        #expect(worst <= 2, "exp near 0: \(worst) ulp")
    }

    @Test func expEdges() {
        #expect(FastMath.exp(0) == 1)
        #expect(FastMath.exp(-.infinity) == 0)
        #expect(FastMath.exp(.infinity) == .infinity)
        #expect(FastMath.exp(710) == .infinity)
        #expect(FastMath.exp(-709) == 0)  // below e^-708 flushes to zero (documented)
        #expect(FastMath.exp(.nan).isNaN)
        #expect(FastMath.exp(709.78).isFinite)
    }

    /// log within 2 ulp from 1e-307 to 1e308 (log-spaced) and near 1, where ln x is small.
    @Test func logMatchesLibm() {
        var worst = 0.0
        var x = 1e-307
        while x < 1e308 {
            worst = max(worst, Self.ulps(FastMath.log(x), Foundation.log(x)))
            x *= 1.0000731
        }
        for index in 0..<200_001 {
            let near = 0.9 + 0.2 * Double(index) / 200_000
            worst = max(worst, Self.ulps(FastMath.log(near), Foundation.log(near)))
        }
        #expect(worst <= 2, "log: \(worst) ulp")
    }

    @Test func logEdges() {
        #expect(FastMath.log(1) == 0)
        #expect(FastMath.log(0) == -.infinity)
        #expect(FastMath.log(-1).isNaN)
        #expect(FastMath.log(.nan).isNaN)
        #expect(FastMath.log(.infinity) == .infinity)
        let subnormal = 5e-324
        #expect(Self.ulps(FastMath.log(subnormal), Foundation.log(subnormal)) <= 2)
        #expect(Self.ulps(FastMath.log(1e-310), Foundation.log(1e-310)) <= 2)
        #expect(Self.ulps(FastMath.log(.greatestFiniteMagnitude), Foundation.log(.greatestFiniteMagnitude)) <= 2)
    }

    /// erfc within 2e-15 relative on 1,000,001 points of [-6, 26.5] (values above 1e-300),
    /// which covers all three of Cody's intervals and their joins.
    @Test func erfcMatchesLibm() {
        var worst = 0.0
        var worstAt = 0.0
        let count = 1_000_001
        for index in 0..<count {
            let x = -6 + 32.5 * Double(index) / Double(count - 1)
            let reference = Foundation.erfc(x)
            let error = abs(FastMath.erfc(x) - reference) / reference
            if error > worst { (worst, worstAt) = (error, x) }
        }
        #expect(worst <= 2e-15, "erfc: relative error \(worst) at \(worstAt)")
        #expect(FastMath.erfc(30) == 0)
        #expect(FastMath.erfc(-.infinity) == 2)
        #expect(FastMath.erfc(.nan).isNaN)
    }

    /// Phi(x) = erfc(-x / sqrt 2) / 2 within 3e-15 relative for x in [-37, 8], against
    /// libm's erfc of the same argument: the lower tail keeps its relative accuracy. (The
    /// argument's own rounding is amplified about x^2 times in the tail, 1e-13 relative at
    /// x = -37, whichever erfc is used.)
    @Test func normalCDFMatchesLibm() {
        var worst = 0.0
        for index in 0..<450_001 {
            let x = -37 + 45 * Double(index) / 450_000
            let reference = 0.5 * Foundation.erfc(-x * 0.70710678118654752440)
            worst = max(worst, abs(FastMath.normalCDF(x) - reference) / reference)
        }
        #expect(worst <= 3e-15, "Phi: relative error \(worst)")
    }

    /// The row form of Phi gives the bits of the scalar form, in groups of 8 that lie
    /// wholly in one of erfc's intervals (|x| / sqrt 2 up to 0.46875, up to 4, beyond),
    /// groups that span two neighbouring intervals or all three, at the intervals' edges, and with NaN, infinities, -0
    /// and a group shorter than 8 at the end.
    @Test func normalCDFRowEqualsScalar() {
        var random = SplitMix64(seed: 5)
        func uniform(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + (range.upperBound - range.lowerBound) * Double(random.next() >> 11) * 0x1p-53
        }
        let edges = [0.46875, 4, 27].flatMap { edge -> [Double] in
            let x = edge * 2.0.squareRoot()
            return [x.nextDown, x, x.nextUp, -x.nextDown, -x, -x.nextUp]
        }
        var row: [Double] = []
        for group in 0..<6_000 {
            let ranges: [ClosedRange<Double>] = switch group % 7 {
            case 0: [-0.66...0.66]
            case 1: [0.67...5.6]
            case 2: [-5.6 ... -0.67]
            case 3: [-40 ... -5.7, 5.7...40]
            // Two neighbouring intervals: the first two, the last two.
            case 4: [-0.66...0.66, 0.67...5.6, -5.6 ... -0.67]
            case 5: [0.67...5.6, -40 ... -5.7, 5.7...40]
            default: [-40...40]
            }
            row += (0..<8).map { _ in uniform(ranges[Int(random.next() % UInt64(ranges.count))]) }
        }
        row += edges + [0, -0.0, .nan, .infinity, -.infinity, 1e-300, -1e-300, 1e300] + [-0.3, 0.2, 1.5]
        let inputs = row
        row.withUnsafeMutableBufferPointer { FastMath.normalCDF($0.baseAddress!, count: $0.count) }
        let differing = zip(row, inputs).filter { $0.bitPattern != FastMath.normalCDF($1).bitPattern }
        #expect(differing.count == 0, "values differ, the first at \(differing.first.map { $0.1 } ?? 0)")
    }

    /// The row form of the quantile gives the same bits as the scalar form.
    @Test func quantileRowEqualsScalar() {
        var row = (0..<4099).map { (Double($0) + 0.5) / 4099 }
        let inputs = row
        row.withUnsafeMutableBufferPointer { NormalDistribution.quantiles($0.baseAddress!, count: $0.count) }
        #expect(zip(row, inputs).allSatisfy { $0.bitPattern == NormalDistribution.quantile($1).bitPattern })
    }
}
