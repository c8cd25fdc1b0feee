import Testing
import TailGridCluster

/// Idempotency keys arrive from the wire: checked before anything is queued; a key
/// returns its job while it is queued, running or succeeded, not after it was cancelled.
@Suite struct IdempotentSubmissionTests {
    @Test func keysAreCheckedAndReturnTheirJob() throws {
        let coordinator = Coordinator()
        let job = try ClusterJobs.quickstart
        for bad in [String(repeating: "k", count: 257), "new\nline", "tab\there", "caf\u{E9}", "nul\u{0}"] {
            #expect(throws: ClusterError.self) { try coordinator.submit(job, idempotencyKey: bad) }
        }
        #expect(coordinator.jobCount == 0)
        let first = try coordinator.submit(job, idempotencyKey: "eod-2026-11-21").jobID
        #expect(try coordinator.submit(job, idempotencyKey: "eod-2026-11-21").jobID == first)
        #expect(try coordinator.submit(job).jobID != first)
        #expect(try coordinator.submit(job, idempotencyKey: "other").jobID != first)
        _ = try coordinator.cancel(job: first)
        let again = try coordinator.submit(job, idempotencyKey: "eod-2026-11-21").jobID
        #expect(again != first)
        #expect(try coordinator.status(job: again).idempotencyKey == "eod-2026-11-21")
    }
}
