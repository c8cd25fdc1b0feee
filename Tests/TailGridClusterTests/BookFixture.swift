import Foundation

/// A job file large enough that a cluster run takes a few seconds: `accounts` accounts
/// with positions in BTC/ETH option chains, inline in the YAML.
enum BookFixture {
    static func yaml(name: String = "book", accounts: Int = 300, scenarios: Int = 240_000, chunkSize: Int = 4096, seed: Int = 11) -> String {
        var instruments: [String] = ["BTC-PERPETUAL", "ETH-PERPETUAL"]
        for expiry in ["28MAR25", "27JUN25", "26SEP25"] {
            instruments += ["BTC-\(expiry)", "ETH-\(expiry)"]
            for offset in -6...6 {
                let btc = 98_000 + offset * 2_000
                let eth = 2_700 + offset * 50
                instruments += ["BTC-\(expiry)-\(btc)-C", "BTC-\(expiry)-\(btc)-P", "ETH-\(expiry)-\(eth)-C", "ETH-\(expiry)-\(eth)-P"]
            }
        }
        var state: UInt64 = UInt64(seed)
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % bound
        }
        var text = """
            job: \(name)
            valuation_time: 2025-02-20T08:00:00Z
            seed: \(seed)
            scenarios: \(scenarios)
            horizon_days: 2
            confidence: [0.99, 0.995]
            chunk_size: \(chunkSize)
            model: { kind: student_t, dof: 5 }
            market:
              rate: 0.045
              underlyings:
                BTC: { spot: 97600, vol: 0.55, vol_of_vol: 1.2, carry: 0.05 }
                ETH: { spot: 2719, vol: 0.70, vol_of_vol: 1.5, carry: 0.04 }
              correlation:
                factors: [BTC, ETH, BTC.vol, ETH.vol]
                matrix: [[1, 0.8, -0.2, -0.15], [0.8, 1, -0.15, -0.25], [-0.2, -0.15, 1, 0.6], [-0.15, -0.25, 0.6, 1]]
            collateral_haircuts: { USD: 0.0, BTC: 0.10, ETH: 0.15 }
            accounts:

            """
        for account in 0..<accounts {
            text += "  - id: a\(account)\n    collateral: { USD: \((1 + next(50)) * 10_000), BTC: \(next(4)) }\n    positions:\n"
            for _ in 0..<4 {
                let instrument = instruments[next(instruments.count)]
                let linear = instrument.hasSuffix("PERPETUAL") || instrument.split(separator: "-").count == 2
                text += "      - { instrument: \(instrument), quantity: \((next(2) == 0 ? -1 : 1) * (1 + next(20)) * (linear ? 1000 : 1)) }\n"
            }
        }
        return text
    }
}
