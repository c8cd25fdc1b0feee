import Foundation
import TailGridJob
import TailGridReport

/// Writes a job's result files and prints its margin table: the same for `run` (in
/// process or on a local cluster) and `submit --wait`.
enum ResultOutput {
    /// `document` is the decoded `json` when the caller has it; otherwise it is read back
    /// from `json` for the table.
    /// `explanation`, when given, is written beside as explain.json and contributions.csv,
    /// and its accounts' contribution tables are printed after the margin table.
    /// `report`, when given, is report.html already rendered from the same documents.
    static func write(json: Data, csv: Data, document: ResultDocument? = nil, explanation: ExplanationDocument? = nil,
                      report: Data? = nil, folder: String, quiet: Bool, summary: String) throws {
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
        var files = [("result.json", json), ("accounts.csv", csv)]
        if let explanation {
            files += [("explain.json", try explanation.jsonData()), ("contributions.csv", explanation.csvData())]
        }
        files.append(("report.html", try report ?? Report.html(result: table, explanation: explanation)))
        try ResultWriter.write(files, into: folder)
        guard !quiet else { return }
        print(MarginTable.render(table, label: table.confidenceLabels.first ?? ""))
        for account in explanation?.accounts ?? [] {
            print("")
            print(ContributionTable.render(account))
        }
        let written = explanation == nil ? "result.json, accounts.csv and report.html"
            : "result.json, accounts.csv, explain.json, contributions.csv and report.html"
        print("\(summary); wrote \(folder)/\(written)")
    }
}
