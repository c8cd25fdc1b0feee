import TailGridEngine

/// The one error type of the job-file layer: where the problem is (file, field path,
/// line), what was expected, and the sysexits code the command line exits with.
public struct JobError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Int32, Sendable, Hashable {
        /// Bad command-line usage (EX_USAGE).
        case usage = 64
        /// The input is malformed or inconsistent (EX_DATAERR).
        case data = 65
        /// An input file does not exist or cannot be read (EX_NOINPUT).
        case missingInput = 66
        /// A bug or a failure inside the engine (EX_SOFTWARE).
        case `internal` = 70
        /// An output file or folder cannot be created (EX_CANTCREAT).
        case cannotCreateOutput = 73
    }

    public var code: Code
    /// The file the problem is in, as the user named it.
    public var file: String?
    /// The field path, e.g. `accounts[1].positions[0].instrument`.
    public var field: String?
    /// 1-based line in `file`.
    public var line: Int?
    public var message: String

    public init(_ code: Code, file: String? = nil, field: String? = nil, line: Int? = nil, _ message: String) {
        self.code = code
        self.file = file
        self.field = field
        self.line = line
        self.message = message
    }

    public var exitCode: Int32 { code.rawValue }

    /// `job.yaml: accounts[1].positions[0].instrument (line 23): expected ...`
    public var description: String {
        var location = file ?? ""
        if let line, field == nil { location += ":\(line)" }
        if let field { location += location.isEmpty ? field : ": \(field)" }
        if let line, field != nil { location += " (line \(line))" }
        return location.isEmpty ? message : "\(location): \(message)"
    }
}

extension JobError {
    /// At most 60 characters of a value from outside, control characters removed, for
    /// messages: a 100 MB scalar is never echoed back, nor read further than its first
    /// `shownScalars` printable scalars (looking up every scalar's category made refusing a
    /// 100 MB quantity take 8 s).
    static func shown(_ text: String) -> String {
        var printable = String.UnicodeScalarView()
        var kept = 0
        var more = false
        for scalar in text.unicodeScalars where scalar.properties.generalCategory != .control {
            guard kept < shownScalars else {
                more = true
                break
            }
            printable.append(scalar)
            kept += 1
        }
        let head = String(printable)
        return head.count > 60 ? head.prefix(60) + "..." : more ? head + "..." : head
    }

    /// The printable scalars `shown` reads: far more than 60 characters take, unless they
    /// are mostly combining marks.
    static let shownScalars = 4096
}

extension JobError {
    /// An engine error as the job's: bad parameters and losses that overflow come from the
    /// job's own model and magnitudes (data); inconsistent summaries are ours (internal).
    public init(_ error: EngineError, file: String) {
        switch error.code {
        case .invalidJob, .numerics, .nonFiniteLoss: self.init(.data, file: file, error.message)
        case .inconsistentSummary: self.init(.internal, file: file, error.message)
        }
    }
}
