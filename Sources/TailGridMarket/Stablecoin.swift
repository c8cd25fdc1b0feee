/// A USD stablecoin whose price may leave 1 USD: its `depegVol` makes a scenario factor
/// named by its symbol, P' = exp(v sqrt(tau) d - v^2 tau / 2) (mean 1 USD). Balances of it
/// and the linear instruments that settle in it (`BTC_USDC-...` in USDC, `BTC_USDT-...`
/// in USDT) move with P'; without one it stays at 1 USD.
public struct Stablecoin: Sendable, Hashable {
    /// The coins that may be given a depeg factor.
    public static let symbols: Set<String> = ["USDC", "USDT"]

    public let symbol: String
    /// Annualised vol of its USD price.
    public let depegVol: Double

    public init(symbol: String, depegVol: Double) throws(MarketError) {
        guard Self.symbols.contains(symbol) else {
            throw MarketError(.badMarketData, "'\(symbol)' is not a stablecoin that may depeg (USDC, USDT)")
        }
        guard depegVol.isFinite, depegVol >= 0, depegVol < 5 else {
            throw MarketError(.badMarketData, "\(symbol): depeg_vol must be in [0, 5), got \(depegVol)")
        }
        self.symbol = symbol
        self.depegVol = depegVol
    }
}
