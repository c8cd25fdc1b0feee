import Foundation
import TailGridEngine

/// Writes `result.json` and `accounts.csv` into an output folder, all or nothing: both
/// files are written in full under temporary names first, then renamed into place.
public enum ResultWriter {
    public static func jsonData(_ document: ResultDocument) throws(JobError) -> Data {
        try jsonData(document, name: "result.json")
    }

    /// result.json and accounts.csv of `document`, encoded at once on two threads: the
    /// end of a run waits for both, and the CSV (a fifth of the JSON's time) hid behind
    /// it rather than follow it. Threads of their own (`EngineThreads`), not Dispatch's
    /// pool: a coordinator calls this inside a transition, where the pool's threads may
    /// all be held. (`run` in process encodes result.json in runs instead,
    /// `ResultJSONPieces`.)
    public static func files(_ document: ResultDocument, labels: [String]) throws(JobError) -> (json: Data, csv: Data) {
        enum Encoded: Sendable {
            case json(Result<Data, JobError>)
            case csv(Data)
        }
        let encoded = EngineThreads.map(2, threads: 2) { part -> Encoded in
            part == 0 ? .json(Result { () throws(JobError) in try jsonData(document) }) : .csv(csvData(document, labels: labels))
        }
        guard encoded.count == 2, case .json(let json) = encoded[0], case .csv(let csv) = encoded[1] else {
            throw JobError(.internal, "the result files were not encoded")
        }
        return (try json.get(), csv)
    }

    /// Any output document as TailGrid writes JSON: pretty, keys sorted, slashes plain,
    /// a final newline. `name` says what failed to encode.
    static func jsonData(_ value: some Encodable, name: String) throws(JobError) -> Data {
        do {
            return try PrettyJSON.encode(value, newline: true)
        } catch {
            throw JobError(.internal, "cannot encode \(name): \(error)")
        }
    }

    /// One row per account: `account,equity,var_<c>,es_<c>,es_se_<c>,...,initial_margin,
    /// maintenance_margin,excess_margin,status`, then IM's components
    /// `base_margin,stress_uplift,short_option_uplift,liquidity_add_on,apc_buffer,
    /// apc_floor_uplift` (they add up to initial_margin),
    /// `short_option_minimum,stress_component,worst_stress,worst_stress_loss`, and against
    /// a previous result `im_change,new_margin_call` (empty when the job has no such
    /// policy, scenarios or previous result), and `margin_currency` (USD, or the coin
    /// every money figure of the row is in), in the job's account order.
    ///
    /// Written into one string as it goes, numbers by `write(to:)` (their `description`'s
    /// characters, with no string of their own): a row as an array of strings joined, and
    /// the rows joined again, took 120 ms for 20,000 accounts, the last task of a run.
    public static func csvData(_ document: ResultDocument, labels: [String]) -> Data {
        var header = ["account", "equity"]
        for label in labels { header += ["var_\(label)", "es_\(label)", "es_se_\(label)"] }
        header += ["initial_margin", "maintenance_margin", "excess_margin", "status", "base_margin", "stress_uplift",
                   "short_option_uplift", "liquidity_add_on", "apc_buffer", "apc_floor_uplift", "short_option_minimum", "stress_component", "worst_stress", "worst_stress_loss", "im_change",
                   "new_margin_call", "margin_currency"]
        var text = header.joined(separator: ",")
        text.reserveCapacity(text.utf8.count + document.accounts.count * (256 + 64 * labels.count))
        func number(_ value: Double) {
            text += ","
            value.write(to: &text)
        }
        func optional(_ value: Double?) {
            text += ","
            value?.write(to: &text)
        }
        for account in document.accounts {
            text += "\n"
            text += csvField(account.id)
            number(account.equity)
            for label in labels {
                optional(account.var[label])
                optional(account.es[label])
                optional(account.esStandardError[label])
            }
            number(account.initialMargin)
            number(account.maintenanceMargin)
            number(account.excessMargin)
            text += ","
            text += account.status
            let components = account.marginComponents
            number(components.base)
            number(components.stressUplift)
            number(components.shortOptionUplift)
            number(components.liquidityAddOn)
            number(components.apcBuffer)
            number(components.apcFloorUplift ?? 0)
            optional(components.shortOptionMinimum)
            optional(account.stress?.component)
            text += ","
            if let stress = account.stress { text += csvField(stress.worst) }
            optional(account.stress?.worstLoss)
            optional(account.previous?.imChange)
            text += ","
            if let previous = account.previous { text += previous.newMarginCall ? "true" : "false" }
            text += ","
            text += account.marginCurrency
        }
        text += "\n"
        return Data(text.utf8)
    }

    /// A text field of accounts.csv: quoted when it holds a comma, quote or line end
    /// (RFC 4180), and prefixed with `'` when it starts with `=`, `+`, `-`, `@`, tab or
    /// carriage return, so that a spreadsheet never reads it as a formula (OWASP's rule
    /// against CSV injection).
    public static func csvField(_ text: String) -> String {
        var text = text
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { ",\"\n\r".contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The files a result folder may hold: the folder is replaced as a whole.
    public static let resultFiles: Set<String> = ["result.json", "accounts.csv", "explain.json", "contributions.csv", "report.html",
                                                  "backtest.json", "backtest.csv"]

    /// Writes the files named by `files` as the folder `folder`, atomically as a set: they
    /// are written in full into a fresh sibling folder, which then replaces `folder` by
    /// rename, so a reader never sees a new result.json beside an old accounts.csv. An
    /// existing `folder` may hold only result files (it is replaced, not merged into); a
    /// failure leaves the old folder as it was.
    public static func write(_ files: [(name: String, data: Data)], into folder: String) throws(JobError) {
        try write(pieces: files.map { ($0.name, [$0.data]) }, into: folder)
    }

    /// `write(_:into:)` of files given as pieces, each file's pieces written one after
    /// another (`ResultJSONPieces`: result.json without joining its parts in memory).
    public static func write(pieces files: [(name: String, pieces: [Data])], into folder: String) throws(JobError) {
        let manager = FileManager.default
        // By components, not NSString path methods (Foundation traps on some of them for
        // ".": a value from the command line must not reach a trap).
        guard let last = folder.split(separator: "/").last, last != ".", last != ".." else {
            throw JobError(.cannotCreateOutput, file: folder, "the output folder must be a folder of its own (it is replaced as a whole)")
        }
        let targetURL = URL(fileURLWithPath: folder).standardizedFileURL
        let parentURL = targetURL.deletingLastPathComponent()
        let target = targetURL.path
        let parent = parentURL.path
        let base = targetURL.lastPathComponent
        var isDirectory: ObjCBool = false
        let exists = manager.fileExists(atPath: target, isDirectory: &isDirectory)
        if exists {
            guard isDirectory.boolValue else {
                throw JobError(.cannotCreateOutput, file: folder, "exists and is not a folder")
            }
            let entries = (try? manager.contentsOfDirectory(atPath: target)) ?? []
            let foreign = entries.filter { !resultFiles.contains($0) }
            guard foreign.isEmpty else {
                throw JobError(.cannotCreateOutput, file: folder, "holds other files (\(foreign.prefix(3).joined(separator: ", "))); the output folder is replaced as a whole, so give a new or empty one")
            }
        }
        do {
            try manager.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw JobError(.cannotCreateOutput, file: folder, "cannot create the output folder: \(error.localizedDescription)")
        }
        let token = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        let staging = parentURL.appendingPathComponent(".\(base).\(token).partial").path
        let retired = parentURL.appendingPathComponent(".\(base).\(token).old").path
        defer {
            try? manager.removeItem(atPath: staging)
            try? manager.removeItem(atPath: retired)
        }
        do {
            try manager.createDirectory(atPath: staging, withIntermediateDirectories: false)
        } catch {
            throw JobError(.cannotCreateOutput, file: folder, "cannot create the output folder: \(error.localizedDescription)")
        }
        for file in files {
            let path = URL(fileURLWithPath: staging).appendingPathComponent(file.name).path
            guard writeNew(path, file.pieces) else {
                throw JobError(.cannotCreateOutput, file: targetURL.appendingPathComponent(file.name).path, "cannot write the result file")
            }
        }
        if exists {
            guard rename(target, retired) == 0 else {
                throw JobError(.cannotCreateOutput, file: folder, "cannot replace the output folder (errno \(errno))")
            }
        }
        guard rename(staging, target) == 0 else {
            let failure = errno
            if exists { _ = rename(retired, target) }
            throw JobError(.cannotCreateOutput, file: folder, "cannot move the result files into place (errno \(failure))")
        }
    }

    /// Creates the file `path` (which must not exist) holding `pieces` one after another;
    /// false when it cannot be created or written in full.
    static func writeNew(_ path: String, _ pieces: [Data]) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { return false }
        var written = true
        for piece in pieces where written {
            written = piece.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let count = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { return false }
                    offset += count
                }
                return true
            }
        }
        return close(descriptor) == 0 && written
    }
}
