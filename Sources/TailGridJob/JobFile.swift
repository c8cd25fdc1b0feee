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
        "market", "market_file", "data_dir", "collateral_haircuts", "margin", "accounts", "positions_file",
        "aggregation", "paths", "stress", "previous_result",
    ]

    /// Upper bounds that keep a typo from asking for a machine-sized job.
    public static let maxScenarios = 100_000_000
    public static let maxChunkSize = 1 << 22
    /// The most steps a scenario path may take (a daily path over a year).
    public static let maxPathSteps = 366

    /// Reads and checks the job file at `path` and the files it names: positions and
    /// market files relative to the job's folder, price files relative to `dataDirectory`
    /// (the command line's `--data-dir`), else to the job's `data_dir` (itself relative to
    /// the job's folder), else to the folder of the file that names them.
    /// With `backtestDay`, the job is re-dated to that day (`BacktestDay`): its files need
    /// to cover that day, not the written valuation time.
    public static func load(path: String, dataDirectory: String? = nil, backtestDay: BacktestDay? = nil) throws(JobError) -> LoadedJob {
        let bytes = try read(path, field: nil, referencedFrom: nil)
        return try parse(jobBytes: bytes, path: path, variant: JobVariant(backtestDay: backtestDay), readPositions: { reference, field throws(JobError) in
            try read(resolve(reference, relativeTo: path), field: field, referencedFrom: path)
        }, readInput: { request throws(JobError) in
            let resolved: String
            switch request.kind {
            case .market, .previousResult:
                resolved = resolve(request.reference, relativeTo: path)
            case .prices:
                if let folder = dataDirectory ?? request.dataDirectory.map({ resolve($0, relativeTo: path) }) {
                    resolved = request.reference.hasPrefix("/") ? request.reference
                        : (folder as NSString).appendingPathComponent(request.reference)
                } else {
                    resolved = resolve(request.reference, relativeTo: request.field.file == path ? path
                                       : resolve(request.field.file, relativeTo: path))
                }
            }
            return try read(resolved, field: request.field, referencedFrom: request.field.file)
        })
    }

    /// Checks a job from its bytes, as a coordinator or worker receives it; `positions`
    /// are the bytes of the positions file, if the job names one, `inputs` those of its
    /// market and price files.
    /// With `backtestDay`, the job is re-dated to that day (`BacktestDay`).
    public static func parse(jobBytes: Data, path: String, positions: Data?, inputs: [JobInput] = [],
                             backtestDay: BacktestDay? = nil) throws(JobError) -> LoadedJob {
        try parse(jobBytes: jobBytes, path: path, positions: positions, inputs: inputs, variant: JobVariant(backtestDay: backtestDay))
    }

    /// `parse(jobBytes:path:positions:inputs:)` of a variant of the job (`JobVariant`).
    public static func parse(jobBytes: Data, path: String, positions: Data?, inputs: [JobInput] = [],
                             variant: JobVariant) throws(JobError) -> LoadedJob {
        let byKey = Dictionary(inputs.map { ($0.key, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        return try parse(jobBytes: jobBytes, path: path, variant: variant, readPositions: { reference, field throws(JobError) in
            guard let positions else {
                throw JobError(.missingInput, file: path, field: field?.path, line: field?.line,
                               "the job names positions_file '\(reference)' but its bytes were not sent")
            }
            return positions
        }, readInput: { request throws(JobError) in
            let key = JobInput.key(kind: request.kind, reference: request.reference)
            guard let bytes = byKey[key] else {
                throw JobError(.missingInput, file: request.field.file, field: request.field.path, line: request.field.line,
                               "the job names \(request.kind.rawValue) file '\(request.reference)' but its bytes were not sent")
            }
            return bytes
        })
    }

    /// Parses YAML text into a node tree behind the alias guards.
    static func compose(_ bytes: Data, file: String, what: String) throws(JobError) -> Node {
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw JobError(.data, file: file, "is not UTF-8 text")
        }
        try YAMLAliasGuard.checkKeys(text, file: file)
        let root: Node
        do {
            // The basic resolver tags every scalar a string: the decoder reads scalars as
            // text and never looks at tags, and the default resolver's regular expressions
            // (run again for each key's duplicate check) were a fifth of loading a large job.
            guard let node = try Yams.compose(yaml: text, .basic) else {
                throw JobError(.data, file: file, "is empty; expected \(what)")
            }
            root = node
        } catch let error as JobError {
            throw error
        } catch {
            throw JobError(.data, file: file, "is not valid YAML: \(error)")
        }
        // Without an anchor ('&' nowhere, not even in a string) there is no alias, and a
        // tree holds at most a node per byte: the walk is a tenth of composing a book.
        if bytes.contains(UInt8(ascii: "&")) {
            try YAMLAliasGuard.checkExpansion(root, fileBytes: bytes.count, file: file)
        }
        return root
    }

    static func parse(jobBytes bytes: Data, path: String, variant: JobVariant = JobVariant(),
                      readPositions: @escaping @Sendable (String, YAMLField?) throws(JobError) -> Data,
                      readInput: @escaping (JobInputRequest) throws(JobError) -> Data) throws(JobError) -> LoadedJob {
        let prefetch = PositionsPrefetch.start(jobBytes: bytes, read: readPositions)
        defer { prefetch?.wait() }
        let root = try compose(bytes, file: path, what: "a YAML mapping (see README, 'Job file')")
        var hasher = SHA256()
        hasher.update(data: bytes)
        var inputs: [JobInput] = []
        var decoder = JobDecoder(file: path, backtestDay: variant.backtestDay) { request throws(JobError) in
            let bytes = try readInput(request)
            inputs.append(JobInput(kind: request.kind, reference: request.reference, bytes: bytes))
            return bytes
        }
        let decoded = try decoder.decode(YAMLField(node: root, path: "", file: path))

        var accounts = decoded.accounts
        var positionsBytes: Data?
        if let positionsFile = decoded.positionsFile {
            let (csvBytes, scan): (Data, PositionsFile.Scan)
            if let prefetched = prefetch?.result(for: positionsFile.value) {
                (csvBytes, scan) = prefetched
            } else {
                csvBytes = try readPositions(positionsFile.value, positionsFile.field)
                scan = PositionsFile.scan(csvBytes, file: positionsFile.value)
            }
            hasher.update(data: csvBytes)
            positionsBytes = csvBytes
            accounts = try PositionsFile.apply(scan, file: positionsFile.value, to: accounts, market: decoded.instrumentMarket)
        }
        if let rebase = decoded.rebase { accounts = rebase.apply(to: accounts) }
        for input in inputs { hasher.update(data: input.bytes) }
        hasher.update(data: Data(variant.digestSuffix.utf8))
        var job = decoded.job
        job.accounts = accounts
        if let scenarios = variant.scenarios {
            guard (1...maxScenarios).contains(scenarios) else {
                throw JobError(.data, file: path, field: "scenarios", "a variant of \(scenarios) scenarios; from 1 to \(maxScenarios)")
            }
            job.scenarios = scenarios
        }
        // The engine's own checks, as the last gate; its messages name what is wrong.
        do {
            _ = try EnginePlan.check(job)
        } catch {
            throw JobError(.data, file: path, error.message)
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return LoadedJob(engineJob: job, confidenceLabels: decoded.confidenceLabels, inputSHA256: digest, path: path,
                         jobBytes: bytes, positionsBytes: positionsBytes, inputs: inputs, calibration: decoded.calibration,
                         previous: decoded.previous, backtest: decoded.backtest, variant: variant)
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
