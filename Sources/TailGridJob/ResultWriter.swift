import Foundation

/// Writes `result.json` and `accounts.csv` into an output folder, all or nothing: both
/// files are written in full under temporary names first, then renamed into place.
public enum ResultWriter {
    public static func jsonData(_ document: ResultDocument) throws(JobError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            var data = try encoder.encode(document)
            data.append(0x0A)
            return data
        } catch {
            throw JobError(.internal, "cannot encode result.json: \(error)")
        }
    }

    /// One row per account: `account,equity,var_<c>,es_<c>,es_se_<c>,...,initial_margin,
    /// maintenance_margin,excess_margin,status`, in the job's account order.
    public static func csvData(_ document: ResultDocument, labels: [String]) -> Data {
        var header = ["account", "equity"]
        for label in labels { header += ["var_\(label)", "es_\(label)", "es_se_\(label)"] }
        header += ["initial_margin", "maintenance_margin", "excess_margin", "status"]
        var lines = [header.joined(separator: ",")]
        for account in document.accounts {
            var row = [csvField(account.id), "\(account.equity)"]
            for label in labels {
                row += ["\(account.var[label]!)", "\(account.es[label]!)", "\(account.esStandardError[label]!)"]
            }
            row += ["\(account.initialMargin)", "\(account.maintenanceMargin)", "\(account.excessMargin)", account.status]
            lines.append(row.joined(separator: ","))
        }
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { ",\"\n\r".contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Writes the files named by `files` into `folder`, creating it if needed.
    public static func write(_ files: [(name: String, data: Data)], into folder: String) throws(JobError) {
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw JobError(.cannotCreateOutput, file: folder, "cannot create the output folder: \(error.localizedDescription)")
        }
        let token = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        var staged: [(temporary: String, final: String)] = []
        defer {
            for file in staged where manager.fileExists(atPath: file.temporary) {
                try? manager.removeItem(atPath: file.temporary)
            }
        }
        for file in files {
            let final = (folder as NSString).appendingPathComponent(file.name)
            let temporary = (folder as NSString).appendingPathComponent(".\(file.name).\(token).partial")
            staged.append((temporary, final))
            guard manager.createFile(atPath: temporary, contents: file.data) else {
                throw JobError(.cannotCreateOutput, file: final, "cannot write the result file")
            }
        }
        for file in staged {
            if rename(file.temporary, file.final) != 0 {
                throw JobError(.cannotCreateOutput, file: file.final, "cannot move the result file into place (errno \(errno))")
            }
        }
    }
}
