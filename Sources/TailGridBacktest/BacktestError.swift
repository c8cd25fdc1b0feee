import TailGridJob

/// The one error type of the backtest layer: input a backtest cannot be computed from.
/// `jobError` is set when a day's job cannot be built (the price files do not reach it,
/// the job file is wrong), so a command can answer with the job's exit code.
public struct BacktestError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var jobError: JobError?

    public init(_ message: String, jobError: JobError? = nil) {
        self.message = message
        self.jobError = jobError
    }

    public var description: String { message }
}
