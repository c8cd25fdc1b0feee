/// A synthetic book that cannot be made as asked: the option and what is wrong with it.
public struct SynthError: Error, Sendable, CustomStringConvertible {
    public let option: String
    public let message: String

    public init(_ option: String, _ message: String) {
        self.option = option
        self.message = message
    }

    public var description: String { "\(option): \(message)" }
}
