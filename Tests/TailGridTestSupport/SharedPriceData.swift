import Foundation

/// The real daily crypto history beside the project (`../shared/data/crypto-daily/`),
/// which tests may read and the project must not copy. `TAILGRID_SHARED_DATA` names
/// another folder; otherwise the first `shared/data/crypto-daily` found going up from the
/// repository's parent.
public enum SharedPriceData {
    public static let folder: URL = {
        if let override = ProcessInfo.processInfo.environment["TAILGRID_SHARED_DATA"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        var parent = TailGridExecutable.repositoryRoot.deletingLastPathComponent()
        while true {
            let candidate = parent.appendingPathComponent("shared/data/crypto-daily")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("BTC-USD.csv").path) { return candidate }
            let up = parent.deletingLastPathComponent()
            if up.path == parent.path { break }
            parent = up
        }
        return TailGridExecutable.repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data/crypto-daily")
    }()

    public static func path(_ symbol: String) -> String {
        folder.appendingPathComponent("\(symbol)-USD.csv").path
    }

    /// (date text, close) per row of the symbol's file, oldest first.
    public static func closes(_ symbol: String) throws -> [(date: String, close: Double)] {
        let text = try String(contentsOfFile: path(symbol), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 5, let close = Double(fields[4]) else { return nil }
            return (String(fields[0].prefix(10)), close)
        }
    }
}
