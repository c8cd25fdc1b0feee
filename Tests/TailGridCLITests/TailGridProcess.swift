import Foundation
import TailGridTestSupport

/// Runs the built `tailgrid` executable, as a user or a scheduler would.
struct TailGridProcess {
    struct Outcome {
        let status: Int32
        let standardOutput: String
        let standardError: String
    }

    static let repositoryRoot = TailGridExecutable.repositoryRoot
    static let executable = TailGridExecutable.url

    /// Runs the executable to its end on a thread of its own (`OffPool`): a test waiting
    /// for a child must not hold one of the cooperative pool's threads, which the
    /// in-process cluster tests beside it need.
    static func run(_ arguments: [String], in directory: URL = repositoryRoot, executable: URL = executable) async throws -> Outcome {
        try await OffPool.run { try runBlocking(arguments, in: directory, executable: executable) }
    }

    static func runBlocking(_ arguments: [String], in directory: URL, executable: URL) throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let (outputData, errorData) = PipeReader.readBoth(output.fileHandleForReading, error.fileHandleForReading)
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus,
                       standardOutput: String(decoding: outputData, as: UTF8.self),
                       standardError: String(decoding: errorData, as: UTF8.self))
    }

    static func temporaryFolder() -> URL {
        URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tailgrid-cli-\(UUID().uuidString)")
    }
}
