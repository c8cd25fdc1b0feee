import Foundation
import Testing
import TailGridMarket

@Suite("Instruments: names and pricing")
struct InstrumentTests {
    static let march28 = Date(timeIntervalSince1970: 1_743_148_800) // 2025-03-28T08:00:00Z

    @Test func parsesEveryKind() throws {
        #expect(try Instrument(parsing: "BTC").kind == .spot)
        #expect(try Instrument(parsing: "BTC-PERPETUAL").kind == .perpetual(.inverse))
        #expect(try Instrument(parsing: "ETH_USDC-PERPETUAL").kind == .perpetual(.linear))
        #expect(try Instrument(parsing: "BTC-28MAR25").kind == .future(expiry: Self.march28, settlement: .inverse))
        #expect(try Instrument(parsing: "BTC_USDC-28MAR25").kind == .future(expiry: Self.march28, settlement: .linear))
        #expect(try Instrument(parsing: "BTC-28MAR25-100000-C").kind
            == .option(expiry: Self.march28, strike: 100_000, right: .call, settlement: .inverse))
        #expect(try Instrument(parsing: "XRP_USDC-28MAR25-0d625-P").kind
            == .option(expiry: Self.march28, strike: 0.625, right: .put, settlement: .linear))
        let singleDigitDay = try Instrument(parsing: "ETH-7MAR25-3000-C")
        #expect(singleDigitDay.expiry == Date(timeIntervalSince1970: 1_741_334_400)) // 2025-03-07T08:00Z
        #expect(singleDigitDay.underlying == "ETH")
    }

    @Test(arguments: [
        "", "btc", "BTC-", "BTC-PERP", "BTC-30FEB25", "BTC-28MAR25-100000", "BTC-28MAR25-100000-X",
        "BTC-28MAR25--100-C", "BTC-28MAR25-abc-C", "BTC_EUR-PERPETUAL", "BTC_USDC", "BTC-28MAR25-0-C",
    ])
    func rejectsMalformedNames(name: String) {
        #expect(throws: MarketError.self) { try Instrument(parsing: name) }
    }

    static func market(surface: VolSurface? = nil) throws -> MarketData {
        try MarketData(valuationTime: Date(timeIntervalSince1970: 1_740_038_400), // 2025-02-20T08:00Z
                       rate: 0.045,
                       underlyings: [try Underlying(symbol: "BTC", spot: 97_600, vol: 0.55, volOfVol: 1.2,
                                                    carry: 0.05, surface: surface)])
    }

    /// A coin-settled option is worth, in USD, exactly what the USDC-settled one is, now
    /// and in any scenario.
    @Test(arguments: ["28MAR25-100000-C", "28MAR25-90000-P", "21FEB25-97000-C"])
    func inverseOptionEqualsLinearInUSD(contract: String) throws {
        let market = try Self.market()
        let inverse = try InstrumentPricer(instrument: try Instrument(parsing: "BTC-" + contract), market: market, horizonYears: 2 / 365.0)
        let linear = try InstrumentPricer(instrument: try Instrument(parsing: "BTC_USDC-" + contract), market: market, horizonYears: 2 / 365.0)
        #expect(inverse.value == linear.value)
        #expect(inverse.value > 0)
        for spot in [60_000.0, 97_600, 130_000] {
            #expect(inverse.profitAndLoss(spot: spot, volMultiplier: 1.3) == linear.profitAndLoss(spot: spot, volMultiplier: 1.3))
        }
    }

    /// Inverse perpetual: q USD long gains q (1/S - 1/S') coins, worth q (S'/S - 1) USD.
    @Test func inversePerpetualPnL() throws {
        let pricer = try InstrumentPricer(instrument: try Instrument(parsing: "BTC-PERPETUAL"), market: try Self.market(), horizonYears: 2 / 365.0)
        let scenarioSpot = 90_000.0
        #expect(abs(pricer.profitAndLoss(spot: scenarioSpot, volMultiplier: 1) - (scenarioSpot / 97_600 - 1)) < 1e-15)
        #expect(pricer.value == 0)
    }

    /// Linear future: F' - F with F = S e^(bT).
    @Test func linearFuturePnL() throws {
        let market = try Self.market()
        let pricer = try InstrumentPricer(instrument: try Instrument(parsing: "BTC_USDC-28MAR25"), market: market, horizonYears: 2 / 365.0)
        let time = market.yearFraction(to: Self.march28)
        #expect(abs(pricer.forward - 97_600 * exp(0.05 * time)) < 1e-9)
        let expected = 100_000 * exp(0.05 * (time - 2 / 365.0)) - pricer.forward
        #expect(abs(pricer.profitAndLoss(spot: 100_000, volMultiplier: 1) - expected) < 1e-9)
    }

    /// An option expiring inside the horizon is worth its intrinsic value at the scenario spot.
    @Test func optionExpiringInsideTheHorizonIsIntrinsic() throws {
        let pricer = try InstrumentPricer(instrument: try Instrument(parsing: "BTC-21FEB25-95000-P"), market: try Self.market(), horizonYears: 2 / 365.0)
        #expect(pricer.timeAfterHorizon == 0)
        #expect(abs(pricer.profitAndLoss(spot: 90_000, volMultiplier: 2) - (5000 - pricer.value)) < 1e-9)
    }

    @Test func expiredInstrumentIsRejected() throws {
        #expect(throws: MarketError.self) {
            try InstrumentPricer(instrument: try Instrument(parsing: "BTC-31JAN25-90000-P"), market: try Self.market(), horizonYears: 0.01)
        }
    }
}
