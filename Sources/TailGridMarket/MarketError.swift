/// The one error type of the market layer: bad instrument names, expired contracts,
/// unknown underlyings, out-of-range market data.
public struct MarketError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case badInstrumentName
        case unknownUnderlying
        case expired
        case badMarketData
        case unknownCurrency
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
