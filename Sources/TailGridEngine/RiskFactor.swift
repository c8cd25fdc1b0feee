/// A scenario factor of one coin: its spot log-return (`BTC`), the log-change of its
/// implied vols (`BTC.vol`, with a vol of vol), the shift of its carry (`BTC.basis`, with
/// a carry vol) or of its skew (`BTC.vol.skew`, with a skew vol); or a stablecoin's USD
/// price (`USDC`, with a depeg vol).
public struct RiskFactor: Sendable, Hashable {
    public enum Kind: Sendable, Hashable, CaseIterable {
        case spot
        case impliedVol
        case basis
        case skew
        /// A stablecoin's price; `underlyingIndex` indexes `MarketData.stablecoins`.
        case depeg

        /// The suffix of the factor's name after the coin's symbol.
        public var suffix: String {
            switch self {
            case .spot, .depeg: ""
            case .impliedVol: ".vol"
            case .basis: ".basis"
            case .skew: ".vol.skew"
            }
        }
    }

    public let name: String
    /// Index of the underlying in `MarketData.underlyings` (of the stablecoin in
    /// `MarketData.stablecoins` for a depeg factor).
    public let underlyingIndex: Int
    public let kind: Kind
    /// Annualised volatility of the factor: the spot scenario vol, the vol of vol, the
    /// carry vol, the skew vol or the depeg vol.
    public let volatility: Double

    public init(name: String, underlyingIndex: Int, kind: Kind, volatility: Double) {
        self.name = name
        self.underlyingIndex = underlyingIndex
        self.kind = kind
        self.volatility = volatility
    }
}
