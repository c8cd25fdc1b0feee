import Foundation
import Testing

/// A worker whose coordinator cannot be reached retries with a backoff of up to 2 s. A
/// SIGTERM during that wait must end it at once: a scheduler's grace (Kubernetes, Slurm,
/// `run --workers`) should not be spent waiting out a sleep, and past a short grace the
/// worker would be killed instead of leaving cleanly.
@Suite struct WorkerBackoffDrainTests {
    typealias P = ClusterProcesses

    @Test func aSigtermEndsTheBackoffAtOnce() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let worker = try P.worker(scratch, address: "127.0.0.1:1", name: "patient")
        defer { worker.stop() }
        // The longest wait: from here on it sleeps 2 s between attempts.
        #expect(await worker.wait { worker.standardError.contains("retrying in 2.0 seconds") }, "\(worker.standardError)")
        worker.signal(SIGTERM)
        // Up to 2 s of backoff was left when the signal came; a drained worker exits in
        // milliseconds (measured 4-6 ms), so 1 s is far above its time and below the sleep's.
        #expect(await worker.waitForExit(upTo: .seconds(1)) == 0, "\(worker.standardError)")
    }
}
