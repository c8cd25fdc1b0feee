import Foundation

/// The market a job is valued in: the valuation time, a flat continuously compounded
/// USD rate for discounting, the underlyings, and the stablecoins that may depeg.
public struct MarketData: Sendable, Hashable {
    public let valuationTime: Date
    public let rate: Double
    /// Underlyings sorted by symbol: the order of the scenario factors.
    public let underlyings: [Underlying]
    /// Stablecoins with a depeg factor, sorted by symbol (their factors follow the
    /// underlyings').
    public let stablecoins: [Stablecoin]

    public init(valuationTime: Date, rate: Double, underlyings: [Underlying],
                stablecoins: [Stablecoin] = []) throws(MarketError) {
        guard rate.isFinite, abs(rate) < 1 else {
            throw MarketError(.badMarketData, "rate must be in (-1, 1) (continuously compounded, 0.05 = 5%), got \(rate)")
        }
        self.valuationTime = valuationTime
        self.rate = rate
        self.underlyings = underlyings.sorted { $0.symbol < $1.symbol }
        self.stablecoins = stablecoins.sorted { $0.symbol < $1.symbol }
    }

    public func stablecoin(_ symbol: String) -> Stablecoin? {
        stablecoins.first { $0.symbol == symbol }
    }

    public func underlying(_ symbol: String) -> Underlying? {
        underlyings.first { $0.symbol == symbol }
    }

    /// ACT/365 year fraction from the valuation time to `date`.
    public func yearFraction(to date: Date) -> Double {
        date.timeIntervalSince(valuationTime) / (365 * 86_400)
    }

    /// USD stablecoins valued at 1 USD when they are not underlyings of the job.
    public static let stablecoins: Set<String> = ["USD", "USDC", "USDT"]

    /// The USD price of one unit of a collateral currency, and the underlying or
    /// depegging stablecoin it moves with (nil for USD and pegged stablecoins).
    public func collateralPrice(_ currency: String) throws(MarketError) -> (price: Double, underlying: String?) {
        if let underlying = underlying(currency) {
            return (underlying.spot, underlying.symbol)
        }
        if Self.stablecoins.contains(currency) {
            return (1, stablecoin(currency)?.symbol)
        }
        throw MarketError(.unknownCurrency,
                          "'\(currency)' is neither USD, USDC, USDT nor an underlying in market.underlyings")
    }
}
