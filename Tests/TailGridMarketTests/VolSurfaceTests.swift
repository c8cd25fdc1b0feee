import Testing
import TailGridMarket

@Suite("Vol surface interpolation")
struct VolSurfaceTests {
    static func surface() throws -> VolSurface {
        try VolSurface(expiries: [0.1, 0.5], logMoneyness: [-0.2, 0, 0.2],
                       vols: [[0.8, 0.6, 0.7], [0.7, 0.5, 0.6]])
    }

    @Test func nodesAreExact() throws {
        let surface = try Self.surface()
        #expect(surface.vol(time: 0.1, logMoneyness: -0.2) == 0.8)
        #expect(abs(surface.vol(time: 0.5, logMoneyness: 0) - 0.5) < 1e-15)
    }

    /// Between expiries the total variance sigma^2 t is linear in t.
    @Test func totalVarianceIsLinearInTime() throws {
        let surface = try Self.surface()
        let time = 0.3
        let expected = ((0.5 * 0.6 * 0.6 * 0.1 + 0.5 * 0.5 * 0.5 * 0.5) / time).squareRoot()
        #expect(abs(surface.vol(time: time, logMoneyness: 0) - expected) < 1e-15)
    }

    /// Along log-moneyness the vol is linear; beyond the grid it is flat both ways.
    @Test func linearInMoneynessAndFlatOutside() throws {
        let surface = try Self.surface()
        #expect(abs(surface.vol(time: 0.1, logMoneyness: 0.1) - 0.65) < 1e-15)
        #expect(surface.vol(time: 0.1, logMoneyness: 5) == 0.7)
        #expect(surface.vol(time: 0.1, logMoneyness: -5) == 0.8)
        #expect(surface.vol(time: 0.01, logMoneyness: 0) == 0.6)
        #expect(abs(surface.vol(time: 3, logMoneyness: 0) - 0.5) < 1e-15)
    }

    @Test func badGridsAreRejected() {
        #expect(throws: MarketError.self) { try VolSurface(expiries: [0.5, 0.1], logMoneyness: [0], vols: [[0.5], [0.5]]) }
        #expect(throws: MarketError.self) { try VolSurface(expiries: [0.1], logMoneyness: [0, 0.1], vols: [[0.5]]) }
        #expect(throws: MarketError.self) { try VolSurface(expiries: [0.1], logMoneyness: [0], vols: [[-0.5]]) }
    }
}
