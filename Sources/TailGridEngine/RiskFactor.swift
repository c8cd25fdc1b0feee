/// A scenario factor of one coin: its spot log-return (`BTC`), the log-change of its
/// implied vols (`BTC.vol`, with a vol of vol), the shift of its carry (`BTC.basis`, with
/// a carry vol) or of its skew (`BTC.vol.skew`, with a skew vol).
public struct RiskFactor: Sendable, Hashable {
    public enum Kind: Sendable, Hashable, CaseIterable {
        case spot
        case impliedVol
        case basis
        case skew

        /// The suffix of the factor's name after the coin's symbol.
        public var suffix: String {
            switch self {
            case .spot: ""
            case .impliedVol: ".vol"
            case .basis: ".basis"
            case .skew: ".vol.skew"
            }
        }
    }

    public let name: String
    /// Index of the underlying in `MarketData.underlyings`.
    public let underlyingIndex: Int
    public let kind: Kind
    /// Annualised volatility of the factor: the spot scenario vol, the vol of vol, the
    /// carry vol or the skew vol.
    public let volatility: Double

    public init(name: String, underlyingIndex: Int, kind: Kind, volatility: Double) {
        self.name = name
        self.underlyingIndex = underlyingIndex
        self.kind = kind
        self.volatility = volatility
    }
}
