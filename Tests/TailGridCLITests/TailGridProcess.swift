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

    static func run(_ arguments: [String], in directory: URL = repositoryRoot, executable: URL = executable) throws -> Outcome {
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
