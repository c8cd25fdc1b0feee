import Foundation
import TailGridTestSupport
import Testing

/// The proto is the public API: a Python grpcio client generated from it at run time
/// submits a job to a coordinator process and reads its result. (scripts/test.sh installs
/// grpcio and grpcio-tools from PyPI.)
@Suite("Python grpcio client", .serialized)
struct PythonClientTests {
    typealias P = ClusterProcesses

    @Test func pythonClientSubmitsAndReadsTheResult() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        let worker = try P.worker(scratch, address: address, name: "w")
        defer { worker.stop() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "cluster/python/submit.py", "jobs/quickstart.yaml", "--coordinator", address,
                             "--token-file", scratch.tokenFile, "--out", scratch.path("python")]
        process.currentDirectoryURL = P.repositoryRoot
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let errorText = String(decoding: PipeReader.readToEnd(errors.fileHandleForReading), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(errorText)")
        let local = try await P.run(["run", "jobs/quickstart.yaml", "--out", scratch.path("local"), "--quiet"])
        #expect(local.status == 0)
        #expect(try P.resultWithoutTiming(scratch.path("python")) == (try P.resultWithoutTiming(scratch.path("local"))))
    }
}
