import Foundation
import TailGridJob

/// Writes a job's result files and prints its margin table, the same for `run` and
/// `submit --wait`.
enum ResultOutput {
    static func write(json: Data, csv: Data, folder: String, quiet: Bool, summary: String) throws {
        try ResultWriter.write([("result.json", json), ("accounts.csv", csv)], into: folder)
        guard !quiet else { return }
        let document: ResultDocument
        do {
            document = try JSONDecoder().decode(ResultDocument.self, from: json)
        } catch {
            throw CommandFailure.exit(JobError(.internal, "cannot read the result back: \(error)"))
        }
        print(MarginTable.render(document, label: document.confidenceLabels.first ?? ""))
        print("\(summary); wrote \(folder)/result.json and accounts.csv")
    }
}
