import Testing

/// The numeric flags of the cluster commands: NaN, infinities, negatives and 1e308 are
/// refused with exit 64 before any Duration is made from them (a Duration from 1e308
/// seconds would trap), and before any connection is tried.
@Suite struct ClusterFlagTests {
    static let cases: [[String]] = {
        var cases: [[String]] = []
        for value in ["nan", "inf", "-1", "1e308"] {
            cases.append(["wait", "job-x", "--coordinator", "127.0.0.1:1", "--timeout=\(value)"])
            cases.append(["wait", "job-x", "--coordinator", "127.0.0.1:1", "--reconnect-seconds=\(value)"])
            cases.append(["submit", "jobs/quickstart.yaml", "--coordinator", "127.0.0.1:1", "--wait", "--timeout=\(value)"])
            cases.append(["health", "--coordinator", "127.0.0.1:1", "--wait=\(value)"])
            cases.append(["coordinator", "--listen", "127.0.0.1:0", "--drain-seconds=\(value)"])
        }
        cases.append(["coordinator", "--listen", "127.0.0.1:0", "--state", ""])
        cases.append(["coordinator", "--listen", "127.0.0.1:0", "--metrics-listen", "nowhere"])
        cases.append(["coordinator", "--listen", "127.0.0.1:0", "--log-format", "xml"])
        cases.append(["submit", "jobs/quickstart.yaml", "--coordinator", "127.0.0.1:1", "--idempotency-key", ""])
        return cases
    }()

    @Test(arguments: cases) func refusedAsUsage(_ arguments: [String]) async throws {
        let outcome = try await TailGridProcess.run(arguments)
        #expect(outcome.status == 64, "\(arguments): \(outcome.standardError)")
        #expect(!outcome.standardError.contains("unavailable"), "\(arguments) tried to connect: \(outcome.standardError)")
    }
}
