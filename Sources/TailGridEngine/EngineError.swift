/// The one error type of the engine layer.
public struct EngineError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The job breaks a rule the engine checks (unknown factor, bad sizes).
        case invalidJob
        /// A loss came out NaN or infinite: a bug or absurd input, never a margin figure.
        case nonFiniteLoss
        /// A summary that cannot belong to this job (wrong account count, overlap).
        case inconsistentSummary
        /// Linear algebra failed.
        case numerics
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
