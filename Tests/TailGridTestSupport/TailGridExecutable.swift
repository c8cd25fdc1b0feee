import Foundation

/// Where the repository and the built `tailgrid` executable are, for tests that run it.
public enum TailGridExecutable {
    /// The repository root, from this file's path.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The executable sits beside the test bundle in SwiftPM's products folder.
    public static let url: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for folder in [beside, beside.deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent("tailgrid")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        for configuration in ["release", "debug"] {
            let candidate = repositoryRoot.appendingPathComponent(".build/\(configuration)/tailgrid")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        fatalError("tailgrid executable not found beside \(beside.path)")
    }()
}
