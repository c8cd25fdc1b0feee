import Foundation
import Testing
import TailGridNumerics

@Suite("Normal distribution (AS 241)")
struct NormalDistributionTests {
    /// Quantiles from Wichura (1988) and standard tables, to 1e-14 relative.
    @Test(arguments: [
        (0.975, 1.959963984540054),
        (0.99, 2.3263478740408408),
        (0.995, 2.5758293035489004),
        (0.5, 0.0),
        (0.25, -0.6744897501960817),
        (0.001, -3.090232306167813),
        (1e-10, -6.361340902404056),
        (1e-300, -37.0470962993612),
    ])
    func quantileMatchesTables(p: Double, expected: Double) {
        let value = NormalDistribution.quantile(p)
        #expect(abs(value - expected) <= 1e-14 * max(1, abs(expected)))
    }

    /// Phi(Phi^-1(p)) = p to 1e-14 relative over p from 1e-300 to 1 - 1e-12.
    @Test func quantileInvertsTheCDF() {
        var p = 1e-300
        while p < 0.5 {
            for value in [p, 1 - p] where value < 1 - 1e-12 {
                let roundTrip = NormalDistribution.cdf(NormalDistribution.quantile(value))
                #expect(abs(roundTrip - value) <= 2e-14 * min(value, 1 - value) + 1e-16,
                        "p = \(value): Phi(Phi^-1(p)) = \(roundTrip)")
            }
            p *= 1.7
        }
    }

    /// A row's quantiles (central ones, then the packed tail ones put back) are the bits of
    /// one by one: uniforms, the edges of the central interval and of the far tail
    /// (s = 5 at p = e^-25), extremes, rows with no tail value or only tail values, and
    /// counts across rows of 256.
    @Test func rowsAreTheBitsOfOneByOne() {
        var values: [Double] = []
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<1_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append((Double(state >> 11) + 0.5) * 0x1p-53)
        }
        for edge in [0.075, 0.925, 0.5 - 0.425, 0.5 + 0.425, exp(-25.0), 1 - exp(-25.0), 1e-300, 0x1p-1074, 0.5, 1 - 0x1p-53] {
            values += [edge.nextDown, edge, edge.nextUp].filter { $0 > 0 && $0 < 1 }
        }
        values += Array(repeating: 0.5, count: 300) + Array(repeating: 1e-9, count: 300)
        for count in [values.count, 255, 256, 257, 7, 0] {
            var row = Array(values.prefix(count))
            row.withUnsafeMutableBufferPointer { NormalDistribution.quantiles($0.baseAddress!, count: count) }
            for index in 0..<count {
                let one = NormalDistribution.uncheckedQuantile(values[index])
                #expect(row[index].bitPattern == one.bitPattern, "p = \(values[index]): \(row[index]) vs \(one)")
            }
        }
    }

    /// Phi^-1(p) = -Phi^-1(1 - p), up to the rounding of 1 - p (about 1e-16 / phi(z)).
    @Test func quantileIsOddAroundOneHalf() {
        for p in stride(from: 0.01, to: 0.5, by: 0.01) {
            let z = NormalDistribution.quantile(p)
            let tolerance = 4e-16 / NormalDistribution.pdf(z)
            #expect(abs(z + NormalDistribution.quantile(1 - p)) < tolerance, "p = \(p)")
        }
    }
}
