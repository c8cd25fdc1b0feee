import Crypto
import Foundation
import TailGridEngine
import TailGridMarket
import TailGridNumerics
import Yams

/// Reads a YAML job file (and its positions file) and checks all of it before anything
/// runs. The format is documented in the README.
public enum JobFile {
    static let topLevelKeys = [
        "job", "valuation_time", "seed", "scenarios", "horizon_days", "confidence", "chunk_size", "model",
        "market", "collateral_haircuts", "margin", "accounts", "positions_file", "aggregation",
    ]

    /// Upper bounds that keep a typo from asking for a machine-sized job.
    public static let maxScenarios = 100_000_000
    public static let maxChunkSize = 1 << 22

    /// Reads and checks the job file at `path` and the positions file it names.
    public static func load(path: String) throws(JobError) -> LoadedJob {
        let bytes = try read(path, field: nil, referencedFrom: nil)
        return try parse(jobBytes: bytes, path: path) { reference, field throws(JobError) in
            try read(resolve(reference, relativeTo: path), field: field, referencedFrom: path)
        }
    }

    /// Checks a job from its bytes, as a coordinator or worker receives it; `positions`
    /// are the bytes of the positions file, if the job names one.
    public static func parse(jobBytes: Data, path: String, positions: Data?) throws(JobError) -> LoadedJob {
        try parse(jobBytes: jobBytes, path: path) { reference, field throws(JobError) in
            guard let positions else {
                throw JobError(.missingInput, file: path, field: field.path, line: field.line,
                               "the job names positions_file '\(reference)' but its bytes were not sent")
            }
            return positions
        }
    }

    static func parse(jobBytes bytes: Data, path: String,
                      readPositions: (String, YAMLField) throws(JobError) -> Data) throws(JobError) -> LoadedJob {
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw JobError(.data, file: path, "is not UTF-8 text")
        }
        try YAMLAliasGuard.checkKeys(text, file: path)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw JobError(.data, file: path, "is empty; expected a YAML mapping (see README, 'Job file')")
            }
            root = node
        } catch let error as JobError {
            throw error
        } catch {
            throw JobError(.data, file: path, "is not valid YAML: \(error)")
        }
        try YAMLAliasGuard.checkExpansion(root, fileBytes: bytes.count, file: path)
        var hasher = SHA256()
        hasher.update(data: bytes)
        var decoder = JobDecoder(file: path)
        let decoded = try decoder.decode(YAMLField(node: root, path: "", file: path))

        var accounts = decoded.accounts
        var positionsBytes: Data?
        if let positionsFile = decoded.positionsFile {
            let csvBytes = try readPositions(positionsFile.value, positionsFile.field)
            hasher.update(data: csvBytes)
            positionsBytes = csvBytes
            accounts = try PositionsFile.apply(csvBytes, file: positionsFile.value, to: accounts,
                                               market: decoded.market)
        }
        var job = decoded.job
        job.accounts = accounts
        // The engine's own checks, as the last gate; its messages name what is wrong.
        do {
            _ = try EnginePlan.check(job)
        } catch {
            throw JobError(.data, file: path, error.message)
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return LoadedJob(engineJob: job, confidenceLabels: decoded.confidenceLabels, inputSHA256: digest, path: path,
                         jobBytes: bytes, positionsBytes: positionsBytes)
    }

    static func read(_ path: String, field: YAMLField?, referencedFrom: String?) throws(JobError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            if let field {
                throw JobError(.missingInput, file: referencedFrom, field: field.path, line: field.line,
                               "file '\(path)' does not exist")
            }
            throw JobError(.missingInput, file: path, "does not exist")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw JobError(.missingInput, file: path, isDirectory.boolValue ? "is a folder, not a file" : "cannot be read")
        }
        return data
    }

    static func resolve(_ path: String, relativeTo jobPath: String) -> String {
        if path.hasPrefix("/") { return path }
        let folder = (jobPath as NSString).deletingLastPathComponent
        return folder.isEmpty ? path : (folder as NSString).appendingPathComponent(path)
    }
}
