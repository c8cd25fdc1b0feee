/// The one error type of the journal layer.
public struct JournalError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The state folder cannot be created, read or locked.
        case unusable
        /// Another coordinator holds the state folder.
        case locked
        /// The folder or its database belongs to something else, or to a newer TailGrid.
        case foreign
        /// The database is damaged.
        case corrupted
        /// A write failed (disk full, I/O error); nothing after it is written.
        case writeFailed
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
