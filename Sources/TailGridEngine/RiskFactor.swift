/// A scenario factor: a coin's spot log-return (`BTC`) or the log-change of its implied
/// vols (`BTC.vol`, present when the underlying has a vol of vol).
public struct RiskFactor: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case spot
        case impliedVol
    }

    public let name: String
    /// Index of the underlying in `MarketData.underlyings`.
    public let underlyingIndex: Int
    public let kind: Kind
    /// Annualised volatility of the factor: the ATM vol for spot, the vol of vol for vols.
    public let volatility: Double

    public init(name: String, underlyingIndex: Int, kind: Kind, volatility: Double) {
        self.name = name
        self.underlyingIndex = underlyingIndex
        self.kind = kind
        self.volatility = volatility
    }
}
