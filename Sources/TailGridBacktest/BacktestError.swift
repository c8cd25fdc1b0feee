/// The one error type of the backtest layer: input a backtest cannot be computed from.
public struct BacktestError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
