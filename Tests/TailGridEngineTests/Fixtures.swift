import Foundation
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// Small books built in code for the engine tests.
enum Fixtures {
    static let valuationTime = Date(timeIntervalSince1970: 1_740_038_400) // 2025-02-20T08:00Z

    static func market(rate: Double = 0, btcVolOfVol: Double? = nil) throws -> MarketData {
        try MarketData(valuationTime: valuationTime, rate: rate, underlyings: [
            try Underlying(symbol: "BTC", spot: 97_600, vol: 0.55, volOfVol: btcVolOfVol, carry: 0.05),
            try Underlying(symbol: "ETH", spot: 2_719, vol: 0.70, volOfVol: 1.5),
        ])
    }

    static func position(_ name: String, _ quantity: Double) throws -> Account.Position {
        Account.Position(instrument: try Instrument(parsing: name), quantity: quantity)
    }

    static func job(accounts: [Account], scenarios: Int = 20_000, confidences: [Double] = [0.99],
                    chunkSize: Int = 4096, model: ScenarioModel = .gaussian, market: MarketData? = nil,
                    correlation: EngineJob.FactorCorrelation? = nil,
                    aggregation: PositionMatrix.Mode = .automatic, horizonDays: Double = 2, steps: Int = 1) throws -> EngineJob {
        EngineJob(name: "test", seed: 20_250_220, scenarios: scenarios, horizonDays: horizonDays, confidences: confidences,
                  chunkSize: chunkSize, model: model, market: try market ?? Self.market(), correlation: correlation,
                  haircuts: ["BTC": 0.1, "ETH": 0.15, "USDC": 0], accounts: accounts, aggregation: aggregation,
                  steps: steps)
    }

    /// A mixed book: options, futures, perpetuals, coin collateral, with correlation.
    static func mixedJob(scenarios: Int = 20_000, chunkSize: Int = 4096, model: ScenarioModel = .studentT(degreesOfFreedom: 5),
                         aggregation: PositionMatrix.Mode = .automatic) throws -> EngineJob {
        let accounts = [
            Account(id: "alice", collateral: [.init(currency: "USD", amount: 250_000), .init(currency: "BTC", amount: 1.5)],
                    positions: [try position("BTC-28MAR25-100000-C", -10), try position("BTC-PERPETUAL", 50_000)]),
            Account(id: "bob", collateral: [.init(currency: "USDC", amount: 120_000)],
                    positions: [try position("ETH_USDC-PERPETUAL", 40), try position("ETH-28MAR25-2500-P", 40)]),
            Account(id: "carol", collateral: [.init(currency: "BTC", amount: 2)],
                    positions: [try position("BTC-28MAR25", 500_000), try position("BTC-27JUN25", -500_000)]),
            Account(id: "dave", collateral: [.init(currency: "ETH", amount: 12)],
                    positions: [try position("ETH-28MAR25-3200-C", -25), try position("ETH-28MAR25-2200-P", -25),
                                try position("BTC-21FEB25-95000-P", 1)]),
        ]
        let correlation = EngineJob.FactorCorrelation(
            factors: ["BTC", "ETH", "BTC.vol", "ETH.vol"],
            matrix: try CorrelationMatrix(validating: DenseMatrix([
                [1, 0.8, -0.2, -0.15], [0.8, 1, -0.15, -0.25], [-0.2, -0.15, 1, 0.6], [-0.15, -0.25, 0.6, 1],
            ])))
        return try job(accounts: accounts, scenarios: scenarios, confidences: [0.99, 0.995], chunkSize: chunkSize,
                       model: model, market: try market(rate: 0.045, btcVolOfVol: 1.2), correlation: correlation,
                       aggregation: aggregation)
    }
}

extension AccountRisk {
    /// Every number of the result as bits, so equality means bit-identical.
    var bitSignature: [UInt64] {
        var bits = [equity.bitPattern, meanLoss?.bitPattern ?? 1, lossStandardDeviation?.bitPattern ?? 1,
                    margin.initialMargin.bitPattern, margin.maintenanceMargin.bitPattern, margin.excessMargin.bitPattern]
        for estimate in estimates {
            bits += [estimate.valueAtRisk.bitPattern, estimate.expectedShortfall.bitPattern,
                     estimate.expectedShortfallStandardError.bitPattern, estimate.valueAtRiskScenario,
                     estimate.valueAtRiskInterval95.lowerBound.bitPattern, estimate.valueAtRiskInterval95.upperBound.bitPattern]
        }
        bits += histogram.counts.map { UInt64($0) } + [UInt64(histogram.underflow), UInt64(histogram.overflow)]
        return bits
    }
}
