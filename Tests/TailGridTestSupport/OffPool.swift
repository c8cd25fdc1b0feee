import Foundation

/// Runs blocking work (waiting for a child process to end) on a thread of its own, off
/// Swift concurrency's cooperative pool: that pool has one thread per core, and a test
/// that blocks one of them for a minute (a debootstrap, a Slurm batch) starves the
/// in-process cluster tests running beside it, whose coordinator and workers are tasks.
public enum OffPool {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}

extension ScriptRun {
    /// `run` off the cooperative pool.
    public static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await OffPool.run { try ScriptRun.run(executable, arguments) as (status: Int32, output: String) }
    }
}
