import Foundation
import TailGridCluster
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
    /// `json` is result.json's bytes as pieces written one after another
    /// (`ResultJSONPieces`).
    static func write(json: [Data], csv: Data, document: ResultDocument? = nil, explanation: ExplanationDocument? = nil,
                      report: Data? = nil, folder: String, quiet: Bool, summary: String) throws {
        let files = try explanation.map { (json: try $0.jsonData(), csv: $0.csvData()) }
        try write(json: json, csv: csv, document: document, explanation: explanation, explanationFiles: files, report: report,
                  folder: folder, quiet: quiet, summary: summary)
    }

    /// A cluster's result files as they came (explain.json and contributions.csv are
    /// written as the coordinator made them, and read back for the report and table);
    /// `document`, when given, is result.json as a value (from a coordinator in this
    /// process), else it is read back too.
    static func write(_ files: ResultFiles, document: ResultDocument? = nil, folder: String, quiet: Bool,
                      summary: String) throws {
        var explanation: ExplanationDocument?
        if let explainJSON = files.explainJSON {
            do {
                explanation = try JSONDecoder().decode(ExplanationDocument.self, from: explainJSON)
            } catch {
                throw CommandFailure.exit(JobError(.internal, "cannot read explain.json back: \(error)"))
            }
        }
        try write(json: [files.json], csv: files.csv, document: document, explanation: explanation,
                  explanationFiles: files.explainJSON.map { (json: $0, csv: files.contributionsCSV ?? Data()) },
                  folder: folder, quiet: quiet, summary: summary)
    }

    static func write(json: [Data], csv: Data, document: ResultDocument? = nil, explanation: ExplanationDocument?,
                      explanationFiles: (json: Data, csv: Data)?, report: Data? = nil, folder: String, quiet: Bool,
                      summary: String) throws {
        let table: ResultDocument
        if let document {
            table = document
        } else {
            do {
                table = try JSONDecoder().decode(ResultDocument.self, from: json.count == 1 ? json[0] : Data(json.joined()))
            } catch {
                throw CommandFailure.exit(JobError(.internal, "cannot read the result back: \(error)"))
            }
        }
        var files = [("result.json", json), ("accounts.csv", [csv])]
        if let explanationFiles {
            files += [("explain.json", [explanationFiles.json]), ("contributions.csv", [explanationFiles.csv])]
        }
        files.append(("report.html", [try report ?? Report.html(result: table, explanation: explanation)]))
        try ResultWriter.write(pieces: files, into: folder)
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
