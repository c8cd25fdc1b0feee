import Foundation
import Logging
import ServiceLifecycleTestKit
import Synchronization
import Testing
import TailGridCluster

/// A worker told to drain while it connects: no stream yet to say so on. It must still
/// leave. (`tailgrid run --workers N` stops its workers when the job does not load; a
/// worker stopped in that window stayed connected to an idle coordinator, and its
/// parent waited for it forever.)
@Suite("Worker drain")
struct WorkerDrainTests {
    @Test func drainingWhileConnectingLeaves() async throws {
        let cluster = InProcessCluster()
        defer { cluster.stop() }
        var logger = Logger(label: "tailgrid.test.worker")
        logger.logLevel = .critical
        let connections = Counter()
        let left = try await testGracefulShutdown { trigger in
            // The shutdown arrives after the connection is made and before its stream is
            // attached: the window the race fell in.
            let worker = WorkerService(coordinator: "in-process", token: nil, slots: 1, name: "w", logger: logger) {
                connections.increment()
                trigger.triggerGracefulShutdown()
                return cluster.connection()
            }
            return try await Self.finishes(within: .seconds(30)) { try await worker.run() }
        }
        #expect(left, "the worker still runs 30 s after it was told to drain")
        #expect(connections.value == 1, "a draining worker does not connect again")
    }

    final class Counter: Sendable {
        let count = Mutex(0)
        func increment() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    /// Whether `operation` returns within `limit`; it is cancelled if not.
    static func finishes(within limit: Duration, _ operation: @escaping @Sendable () async throws -> Void) async throws -> Bool {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await operation()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
