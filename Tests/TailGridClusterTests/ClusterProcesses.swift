import Foundation
import TailGridCluster
import Synchronization
import TailGridTestSupport

/// Real `tailgrid` processes on loopback: a coordinator, workers and clients.
enum ClusterProcesses {
    static let repositoryRoot = TailGridExecutable.repositoryRoot
    static let executable = TailGridExecutable.url

    /// A scratch folder with a token file.
    struct Scratch {
        let folder: URL
        let tokenFile: String

        init() throws {
            folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tailgrid-cluster-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            tokenFile = folder.appendingPathComponent("token").path
            try "test-token-\(UUID().uuidString)".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        }

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    /// A running process whose standard output and error are collected.
    final class Buffer: Sendable {
        let data = Mutex(Data())
        var text: String { String(decoding: data.withLock { $0 }, as: UTF8.self) }
    }

    final class Running: @unchecked Sendable {
        let process: Process
        let output = Buffer()
        let errors = Buffer()

        init(_ arguments: [String], environment: [String: String] = [:]) throws {
            process = Process()
            process.executableURL = executable
            process.arguments = arguments
            process.currentDirectoryURL = repositoryRoot
            var merged = ProcessInfo.processInfo.environment
            for (key, value) in environment { merged[key] = value }
            process.environment = merged
            let outputPipe = Pipe()
            let errorPipe = Pipe()
            process.standardOutput = outputPipe
            process.standardError = errorPipe
            let output = self.output
            let errors = self.errors
            try process.run()
            // Blocking reads on threads of their own, not readabilityHandler (see PipeReader).
            PipeReader.drain(outputPipe.fileHandleForReading) { data in output.data.withLock { $0.append(data) } }
            PipeReader.drain(errorPipe.fileHandleForReading) { data in errors.data.withLock { $0.append(data) } }
        }

        var standardOutput: String { output.text }
        var standardError: String { errors.text }

        /// Waits until `condition` holds or `timeout` passes; true if it held. The default is
        /// generous: a test run on a loaded machine keeps the cooperative pool busy for tens
        /// of seconds, and a wait only ever lasts that long when it is failing anyway.
        func wait(upTo timeout: Duration = .seconds(180), until condition: () -> Bool) async -> Bool {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if condition() { return true }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return condition()
        }

        func waitForExit(upTo timeout: Duration = .seconds(120)) async -> Int32? {
            _ = await wait(upTo: timeout) { !process.isRunning }
            guard !process.isRunning else { return nil }
            return process.terminationStatus
        }

        func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

        func stop() {
            if process.isRunning { signal(SIGKILL) }
            process.waitUntilExit()
        }
    }

    /// `tailgrid coordinator` on 127.0.0.1 with a free port (or on `listen`); returns it and
    /// its address.
    static func coordinator(_ scratch: Scratch, listen: String = "127.0.0.1:0", extra: [String] = []) async throws -> (Running, String) {
        try await listening(["coordinator", "--listen", listen, "--token-file", scratch.tokenFile, "--lease-timeout", "5"] + extra)
    }

    /// A server command (`coordinator`, `serve`) started, once it printed its address;
    /// returns it and that address.
    static func listening(_ arguments: [String]) async throws -> (Running, String) {
        let running = try Running(arguments)
        guard await running.wait(until: { running.standardOutput.contains("listening on ") }),
              let line = running.standardOutput.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) else {
            running.stop()
            throw TestFailure("tailgrid \(arguments.first ?? "") did not start: \(running.standardError)")
        }
        return (running, String(line.dropFirst("listening on ".count)))
    }

    static func worker(_ scratch: Scratch, address: String, name: String, token: String? = nil, threads: Int = 1) throws -> Running {
        try Running(["worker", "--coordinator", address, "--token-file", token ?? scratch.tokenFile,
                     "--threads", "\(threads)", "--name", name], environment: ["TAILGRID_LOG_LEVEL": "debug"])
    }

    /// Runs a command to completion.
    static func run(_ arguments: [String], timeout: Duration = .seconds(180)) async throws -> (status: Int32, output: String, errors: String) {
        let running = try Running(arguments)
        guard let status = await running.waitForExit(upTo: timeout) else {
            running.stop()
            throw TestFailure("tailgrid \(arguments.joined(separator: " ")) did not finish: \(running.standardError)")
        }
        // Let the pipes drain.
        try? await Task.sleep(for: .milliseconds(50))
        return (status, running.standardOutput, running.standardError)
    }

    /// The result.json of `tailgrid run JOB` (in process) without its timing line.
    static func localResult(_ job: String, _ scratch: Scratch, name: String) async throws -> String {
        let out = scratch.path(name)
        let local = try await run(["run", job, "--out", out, "--quiet"])
        guard local.status == 0 else { throw TestFailure("tailgrid run \(job) exited \(local.status): \(local.errors)") }
        return try resultWithoutTiming(out)
    }

    /// A client of the coordinator at `address` with the scratch folder's token.
    static func client(_ scratch: Scratch, _ address: String) throws -> ClusterClient {
        guard let parsed = ClusterAddress(address) else { throw TestFailure("not an address: \(address)") }
        return ClusterClient(address: parsed, token: BearerToken(try String(contentsOfFile: scratch.tokenFile, encoding: .utf8)))
    }

    /// result.json without its timing field, for comparing runs byte for byte.
    static func resultWithoutTiming(_ folder: String) throws -> String {
        ResultText.comparable(try String(contentsOfFile: folder + "/result.json", encoding: .utf8))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
