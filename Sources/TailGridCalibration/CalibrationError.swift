/// The one error type of the calibration layer: a price history that cannot give the
/// window, vols or correlations asked for. The job layer adds the file it came from.
public struct CalibrationError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The history does not cover the window asked for.
        case shortHistory
        /// A price series is flat (zero variance) or otherwise unusable.
        case degenerate
        /// Settings out of range (lookback, lambda, horizon).
        case badSettings
    }

    public let code: Code
    /// The symbol the problem is about, when there is one.
    public let symbol: String?
    public let message: String

    public init(_ code: Code, symbol: String? = nil, _ message: String) {
        self.code = code
        self.symbol = symbol
        self.message = message
    }

    public var description: String { message }
}
