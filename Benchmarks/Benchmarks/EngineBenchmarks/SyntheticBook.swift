import Foundation
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// A clearinghouse-shaped book built in code: a few underlyings with listed option
/// chains, futures and perpetuals, and many accounts each holding a handful of them.
enum SyntheticBook {
    static let valuationTime = Date(timeIntervalSince1970: 1_740_038_400) // 2025-02-20T08:00Z

    static func market() throws -> MarketData {
        try MarketData(valuationTime: valuationTime, rate: 0.045, underlyings: [
            try Underlying(symbol: "BTC", spot: 97_600, vol: 0.55, volOfVol: 1.2, carry: 0.05),
            try Underlying(symbol: "ETH", spot: 2_719, vol: 0.70, volOfVol: 1.5, carry: 0.04),
            try Underlying(symbol: "SOL", spot: 168.5, vol: 0.85),
            try Underlying(symbol: "XRP", spot: 2.6, vol: 0.95),
        ])
    }

    /// Option chains: per underlying, 4 expiries x `strikes` strikes x call/put, plus
    /// futures and a perpetual for each.
    static func instruments(strikes: Int) -> [String] {
        let chains: [(String, Double, Double)] = [("BTC", 97_600, 2_000), ("ETH", 2_719, 50), ("SOL", 168.5, 5), ("XRP", 2.6, 0.1)]
        var names: [String] = []
        for (symbol, spot, step) in chains {
            names.append("\(symbol)-PERPETUAL")
            for expiry in ["28MAR25", "25APR25", "27JUN25", "26SEP25"] {
                names.append("\(symbol)-\(expiry)")
                for offset in 0..<strikes {
                    let strike = (spot / step).rounded() * step + Double(offset - strikes / 2) * step
                    let text = strike < 10 ? String(strike).replacingOccurrences(of: ".", with: "d") : String(Int(strike))
                    names.append("\(symbol)-\(expiry)-\(text)-C")
                    names.append("\(symbol)-\(expiry)-\(text)-P")
                }
            }
        }
        return names
    }

    static func job(accounts: Int, strikes: Int, positionsPerAccount: Int, scenarios: Int = 100_000,
                    aggregation: PositionMatrix.Mode = .automatic) throws -> EngineJob {
        let names = instruments(strikes: strikes)
        let parsed = try names.map { try Instrument(parsing: $0) }
        var state: UInt64 = 0x7A11_6121
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % bound
        }
        let book = (0..<accounts).map { index in
            let positions = (0..<positionsPerAccount).map { _ in
                Account.Position(instrument: parsed[next(parsed.count)], quantity: Double(next(21) - 10))
            }
            return Account(id: "account-\(index)", collateral: [.init(currency: "USD", amount: 1_000_000),
                                                                .init(currency: "BTC", amount: Double(next(5)))],
                           positions: positions)
        }
        let correlation = EngineJob.FactorCorrelation(
            factors: ["BTC", "ETH", "SOL", "XRP", "BTC.vol", "ETH.vol"],
            matrix: try CorrelationMatrix(validating: DenseMatrix([
                [1.00, 0.80, 0.70, 0.60, -0.20, -0.15],
                [0.80, 1.00, 0.75, 0.60, -0.15, -0.25],
                [0.70, 0.75, 1.00, 0.55, -0.10, -0.10],
                [0.60, 0.60, 0.55, 1.00, -0.10, -0.10],
                [-0.20, -0.15, -0.10, -0.10, 1.00, 0.60],
                [-0.15, -0.25, -0.10, -0.10, 0.60, 1.00],
            ])))
        return EngineJob(name: "synthetic", seed: 1, scenarios: scenarios, horizonDays: 2, confidences: [0.99, 0.995],
                         chunkSize: 8192, model: .studentT(degreesOfFreedom: 5), market: try market(),
                         correlation: correlation, haircuts: ["BTC": 0.1], accounts: book, aggregation: aggregation)
    }
}
