import Foundation

/// The margins of an earlier run (`previous_result: path/to/result.json`), which this
/// run's result compares each account against: its IM change and whether its margin call
/// is new. Read as hostile input: only the fields compared are decoded, each checked
/// (finite margins, known statuses, unique ids), and any other content is ignored.
public struct PreviousResult: Sendable, Hashable {
    public struct Account: Sendable, Hashable {
        public let initialMargin: Double
        public let status: String
    }

    /// The earlier run's job name and input digest, to say what was compared against.
    public let job: String
    public let inputSHA256: String
    public let accounts: [String: Account]

    static let statuses: Set<String> = ["ok", "margin_call", "liquidation"]

    private struct Document: Decodable {
        struct Entry: Decodable {
            let id: String
            let initialMargin: Double
            let status: String

            enum CodingKeys: String, CodingKey {
                case id, status
                case initialMargin = "initial_margin"
            }
        }

        let job: String
        let inputSHA256: String
        let accounts: [Entry]

        enum CodingKeys: String, CodingKey {
            case job, accounts
            case inputSHA256 = "input_sha256"
        }
    }

    /// Decodes `bytes` of the file `file`.
    static func decode(_ bytes: Data, file: String) throws(JobError) -> PreviousResult {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: bytes)
        } catch {
            throw JobError(.data, file: file, "not a TailGrid result.json (it needs job, input_sha256 and accounts with id, initial_margin and status): \(JobError.shown(String(describing: error)))")
        }
        var accounts: [String: Account] = [:]
        for (index, entry) in document.accounts.enumerated() {
            let where_ = "accounts[\(index)]"
            guard entry.initialMargin.isFinite, entry.initialMargin >= 0 else {
                throw JobError(.data, file: file, field: where_ + ".initial_margin", "expected a margin of at least 0, got \(entry.initialMargin)")
            }
            guard statuses.contains(entry.status) else {
                throw JobError(.data, file: file, field: where_ + ".status",
                               "expected ok, margin_call or liquidation, got '\(JobError.shown(entry.status))'")
            }
            guard accounts.updateValue(Account(initialMargin: entry.initialMargin, status: entry.status), forKey: entry.id) == nil else {
                throw JobError(.data, file: file, field: where_ + ".id", "account '\(JobError.shown(entry.id))' appears twice")
            }
        }
        return PreviousResult(job: document.job, inputSHA256: document.inputSHA256, accounts: accounts)
    }
}
