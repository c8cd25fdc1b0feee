import Foundation

/// result.json encoded in parts that threads take apart, whose bytes, written one after
/// another, are `ResultWriter.jsonData(document)` byte for byte.
///
/// Why: on a book of 20,000 accounts result.json is 45 MB, a quarter of a second of one
/// core, and the last thing a run waited for while the other core had finished the
/// report and the CSV. Almost all of it is the accounts array, so the accounts are cut
/// into `runs`, each encoded as an array at the document's depth, and stitched into the
/// document encoded without them (`shell`). With runs [A1, A2] and [A3] the pieces are
///
///     {\n  "accounts" :   [\n    A1,\n    A2   ,   \n    A3\n  ]   ,\n  "chunk_size" ...
///
/// the document's lead; the first run but its closing `\n  ]`; a comma and each later
/// run but its opening `[` (and, but for the last, its closing); then the shell after its
/// empty array. The pieces are slices of the encoded runs, not copies, and are written
/// as they are (`ResultWriter.write(pieces:into:)`).
/// Should the shell not begin with the accounts (a key sorting before "accounts"), the
/// document is encoded whole instead: slower, never different.
public struct ResultJSONPieces: Sendable {
    public let document: ResultDocument
    /// The accounts of each run, in order; none when the document has no accounts.
    public let runs: [Range<Int>]

    /// Parts for `document` with its accounts in at most `runs` runs (of at least
    /// `minimumRun` accounts, so a small document is one run).
    public init(document: ResultDocument, runs: Int, minimumRun: Int = 256) {
        self.document = document
        let accounts = document.accounts.count
        let count = Swift.max(1, Swift.min(runs, accounts / Swift.max(1, minimumRun)))
        self.runs = accounts == 0 ? [] : (0..<count).map { run in
            (run * accounts / count)..<((run + 1) * accounts / count)
        }
    }

    /// How many encodings there are: each run's, then the shell's.
    public var taskCount: Int { runs.count + 1 }

    /// Encoding `task`: run `task`'s accounts as an array at depth 1, or the shell (the
    /// document without accounts) for the last.
    public func encode(task: Int) throws(JobError) -> Data {
        guard task < runs.count else {
            var shell = document
            shell.accounts = []
            return try ResultWriter.jsonData(shell, name: "result.json")
        }
        let accounts = Array(document.accounts[runs[task]])
        do {
            return try PrettyJSON.encode(accounts, depth: 1)
        } catch {
            throw JobError(.internal, "cannot encode result.json: \(error)")
        }
    }

    /// The pieces of result.json from the encodings `encode(task:)` gave (in task order).
    public func pieces(_ encoded: [Data]) throws(JobError) -> [Data] {
        guard encoded.count == taskCount, let shell = encoded.last else {
            throw JobError(.internal, "result.json was not encoded")
        }
        let lead = Data(Self.lead.utf8)
        let runs = encoded.dropLast()
        guard !runs.isEmpty else { return [shell] }
        let closing = Data(Self.closing.utf8)
        guard shell.starts(with: lead + Data(Self.emptyAccounts.utf8)),
              runs.allSatisfy({ $0.count > closing.count && $0.first == UInt8(ascii: "[") && $0.suffix(closing.count) == closing })
        else {
            return [try ResultWriter.jsonData(document)]
        }
        var pieces = [lead]
        for (index, run) in runs.enumerated() {
            let start = run.startIndex + (index == 0 ? 0 : 1)
            let end = run.endIndex - (index == runs.count - 1 ? 0 : closing.count)
            if index > 0 { pieces.append(Data(",".utf8)) }
            pieces.append(run[start..<end])
        }
        pieces.append(shell[(shell.startIndex + lead.count + Self.emptyAccounts.utf8.count)...])
        return pieces
    }

    /// What the document's bytes begin with: its brace and the accounts' key.
    static let lead = "{\n  \"accounts\" : "
    /// The accounts' empty array at depth 1, as the shell has it.
    static let emptyAccounts = "[\n\n  ]"
    /// How an array at depth 1 ends.
    static let closing = "\n  ]"
}
