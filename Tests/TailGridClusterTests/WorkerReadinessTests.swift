import Foundation
import Testing

/// `tailgrid worker --health-listen`: what Kubernetes' gRPC readiness probe asks. Ready
/// only while joined to a coordinator: not before, not after the coordinator goes, again
/// when it is back, and not while draining.
@Suite("Worker readiness", .serialized)
struct WorkerReadinessTests {
    typealias P = ClusterProcesses

    @Test func readyOnlyWhileJoinedToACoordinator() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        // A port that nothing listens on yet: a coordinator's, stopped at once.
        let (first, address) = try await P.coordinator(scratch)
        first.stop()
        let worker = try P.Running(["worker", "--coordinator", address, "--token-file", scratch.tokenFile, "--threads", "1",
                                    "--name", "w", "--health-listen", "127.0.0.1:0"], environment: ["TAILGRID_LOG_LEVEL": "debug"])
        defer { worker.stop() }
        #expect(await worker.wait { worker.standardOutput.contains("health on ") }, "\(worker.standardError)")
        let health = String(worker.standardOutput.split(separator: "\n").first { $0.hasPrefix("health on ") }?.dropFirst("health on ".count) ?? "")
        func probe() async throws -> Int32 { try await P.run(["health", "--coordinator", health]).status }

        #expect(try await probe() == 69, "not ready before it has joined")
        let (second, _) = try await P.coordinator(scratch, listen: address)
        #expect(await worker.wait { worker.standardError.contains("joined as") }, "\(worker.standardError)")
        #expect(try await P.run(["health", "--coordinator", health, "--wait", "10"]).status == 0)
        second.stop()
        #expect(await worker.wait { worker.standardError.contains("not reachable") }, "\(worker.standardError)")
        #expect(try await probe() == 69, "not ready while its coordinator is away")
        let (third, _) = try await P.coordinator(scratch, listen: address)
        defer { third.stop() }
        #expect(try await P.run(["health", "--coordinator", health, "--wait", "10"]).status == 0, "ready again once rejoined")
        worker.signal(SIGTERM)
        #expect(await worker.waitForExit(upTo: .seconds(30)) == 0)
    }
}
