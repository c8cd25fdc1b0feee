/// A coin a synthetic book can trade: its spot on 2025-02-20 (rounded), an at-the-money
/// implied vol, the strike tick of its option chains, its futures' annual carry, its
/// loading on the market factor (spot correlations are loading products), and whether
/// Deribit settles its derivatives in the coin (BTC, ETH: inverse perpetuals and futures,
/// coin-settled options) or in USDC (the rest: linear contracts on 1 coin).
public struct SynthCoin: Sendable, Equatable {
    public let symbol: String
    public let spot: Double
    public let vol: Double
    public let strikeTick: Double
    public let carry: Double
    public let marketLoading: Double
    public let inverse: Bool
    /// The haircut on the coin as collateral.
    public let haircut: Double

    /// The coins `--underlyings` accepts, in the order their factors are listed.
    public static let all: [SynthCoin] = [
        SynthCoin(symbol: "BTC", spot: 97_600, vol: 0.55, strikeTick: 500, carry: 0.05, marketLoading: 0.92, inverse: true, haircut: 0.10),
        SynthCoin(symbol: "ETH", spot: 2_719, vol: 0.70, strikeTick: 25, carry: 0.045, marketLoading: 0.88, inverse: true, haircut: 0.15),
        SynthCoin(symbol: "SOL", spot: 168.5, vol: 0.85, strikeTick: 1, carry: 0.04, marketLoading: 0.80, inverse: false, haircut: 0.25),
        SynthCoin(symbol: "XRP", spot: 2.6, vol: 0.95, strikeTick: 0.02, carry: 0.04, marketLoading: 0.70, inverse: false, haircut: 0.30),
        SynthCoin(symbol: "BNB", spot: 650, vol: 0.60, strikeTick: 5, carry: 0.04, marketLoading: 0.75, inverse: false, haircut: 0.25),
        SynthCoin(symbol: "DOGE", spot: 0.25, vol: 1.00, strikeTick: 0.002, carry: 0.04, marketLoading: 0.72, inverse: false, haircut: 0.35),
        SynthCoin(symbol: "ADA", spot: 0.78, vol: 0.95, strikeTick: 0.01, carry: 0.04, marketLoading: 0.74, inverse: false, haircut: 0.35),
        SynthCoin(symbol: "AVAX", spot: 25, vol: 0.90, strikeTick: 0.5, carry: 0.04, marketLoading: 0.76, inverse: false, haircut: 0.35),
        SynthCoin(symbol: "LINK", spot: 18, vol: 0.90, strikeTick: 0.25, carry: 0.04, marketLoading: 0.74, inverse: false, haircut: 0.35),
        SynthCoin(symbol: "DOT", spot: 5, vol: 0.90, strikeTick: 0.1, carry: 0.04, marketLoading: 0.72, inverse: false, haircut: 0.35),
        SynthCoin(symbol: "LTC", spot: 130, vol: 0.80, strikeTick: 1, carry: 0.04, marketLoading: 0.70, inverse: false, haircut: 0.30),
    ]

    public static func named(_ symbol: String) -> SynthCoin? {
        all.first { $0.symbol == symbol }
    }

    /// The prefix of its contracts' names: "BTC" (inverse) or "SOL_USDC" (linear).
    var contractPrefix: String { inverse ? symbol : symbol + "_USDC" }
}
