import Foundation
import Testing
import TailGridCluster
import TailGridJob
import TailGridTestSupport

/// A hostile Python grpcio peer (Tests/hostile/hostile.py, stubs generated from Protos/
/// at run time) against a real coordinator process on loopback. The coordinator stays up
/// through every one, and a job either ends with the in-process result bit for bit or
/// fails: never a different margin. (scripts/test.sh installs grpcio from PyPI.)
@Suite("Hostile Python peer", .serialized)
struct HostilePythonTests {
    typealias P = ClusterProcesses

    func hostile(_ mode: String, address: String, scratch: P.Scratch, extra: [String] = []) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "Tests/hostile/hostile.py", mode, "--coordinator", address, "--token-file", scratch.tokenFile,
                             "--engine-version", EngineVersion.current] + extra
        process.currentDirectoryURL = P.repositoryRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: PipeReader.readToEnd(output.fileHandleForReading), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }


    /// The job the hostile worker submitted, finished by an honest worker: its result.
    func clusterResult(_ output: String, _ scratch: P.Scratch, _ address: String) async throws -> String? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("job ") }) else { return nil }
        let id = String(line.dropFirst(4))
        let client = try P.client(scratch, address)
        let final = try await client.withConnection { try await $0.watch(id) { _ in } }
        guard final.state == .succeeded else { return nil }
        return ResultText.comparable(try await client.withConnection { try await $0.result(id) }.json)
    }

    /// The defect: this summary killed the coordinator (SIGILL), losing every job.
    @Test func emptySummaryWorkerAlone() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        let outcome = try hostile("empty", address: address, scratch: scratch, extra: ["--job", "jobs/quickstart.yaml"])
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(coordinator.process.isRunning, "\(coordinator.standardError)")
        // An honest worker then finishes the job exactly.
        let worker = try P.worker(scratch, address: address, name: "honest")
        defer { worker.stop() }
        #expect(try await clusterResult(outcome.output, scratch, address) == (try await P.localResult("jobs/quickstart.yaml", scratch, name: "local")))
    }

    @Test(arguments: ["forge", "malformed", "handback", "heartbeat"])
    func hostileWorkerBesideAnHonestOne(_ mode: String) async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        let worker = try P.worker(scratch, address: address, name: "honest")
        defer { worker.stop() }
        let outcome = try hostile(mode, address: address, scratch: scratch, extra: ["--job", "jobs/quickstart.yaml"])
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(coordinator.process.isRunning)
        if outcome.output.contains("final SUCCEEDED") {
            #expect(try await clusterResult(outcome.output, scratch, address) == (try await P.localResult("jobs/quickstart.yaml", scratch, name: "local")), "never a different margin")
        } else {
            #expect(outcome.output.contains("final FAILED"), "\(outcome.output)")
        }
    }

    /// The defect: 40,000 Health.Watch calls took the coordinator from 51 MB to 972 MB.
    @Test func fiveThousandWatchCyclesKeepMemoryBounded() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        let outcome = try hostile("watch-cycles", address: address, scratch: scratch,
                                  extra: ["--pid", "\(coordinator.process.processIdentifier)", "--count", "5000"])
        #expect(outcome.status == 0, "\(outcome.output)")
    }

    /// 101 concurrent streams on one connection: all served, none torn down.
    @Test func oneHundredAndOneStreamsOnOneConnection() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        let outcome = try hostile("streams", address: address, scratch: scratch, extra: ["--count", "101"])
        #expect(outcome.status == 0, "\(outcome.output)")
    }

    /// An oversized message is answered RESOURCE_EXHAUSTED; a long id is not echoed whole.
    @Test func oversizedMessagesAreRefusedWithTheRightStatus() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        let outcome = try hostile("oversized", address: address, scratch: scratch)
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(coordinator.process.isRunning)
    }

    /// A job's market and price files on the wire from a peer that lies: an unknown key or
    /// an empty reference is INVALID_ARGUMENT, more than --max-input-bytes RESOURCE_EXHAUSTED,
    /// a job without the files it names INVALID_ARGUMENT; the coordinator stays up.
    @Test func hostileInputFilesAreRefused() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (coordinator, address) = try await P.coordinator(scratch, extra: ["--max-input-bytes", "100000"])
        defer { coordinator.stop() }
        let job = P.repositoryRoot.appendingPathComponent("jobs/eod-fhs.yaml").path
        let outcome = try hostile("inputs", address: address, scratch: scratch, extra: ["--job", job])
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("ok: inputs"))
        #expect(coordinator.process.isRunning)
    }
}
