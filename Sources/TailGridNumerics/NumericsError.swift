/// The one error type of the numerics layer.
public struct NumericsError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case notSquare
        case notSymmetric
        case diagonalNotOne
        case entryOutOfRange
        case notPositiveSemidefinite
        case notConverged
        case lapackFailure
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
