import Foundation
import TailGridJob

/// Writes a job's result files and prints its margin table: the same for `run` (in
/// process or on a local cluster) and `submit --wait`.
enum ResultOutput {
    /// `document` is the decoded `json` when the caller has it; otherwise it is read back
    /// from `json` for the table.
    static func write(json: Data, csv: Data, document: ResultDocument? = nil, folder: String, quiet: Bool,
                      summary: String) throws {
        try ResultWriter.write([("result.json", json), ("accounts.csv", csv)], into: folder)
        guard !quiet else { return }
        let table: ResultDocument
        if let document {
            table = document
        } else {
            do {
                table = try JSONDecoder().decode(ResultDocument.self, from: json)
            } catch {
                throw CommandFailure.exit(JobError(.internal, "cannot read the result back: \(error)"))
            }
        }
        print(MarginTable.render(table, label: table.confidenceLabels.first ?? ""))
        print("\(summary); wrote \(folder)/result.json and accounts.csv")
    }
}
