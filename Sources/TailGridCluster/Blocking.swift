import Foundation

/// Blocking work (parsing a job, building a plan, computing a chunk) runs on threads of
/// its own, never on Swift's cooperative pool, which must stay free for the RPCs.
enum Blocking {
    /// Runs `work` on a new thread and returns its result.
    static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            detach { continuation.resume(returning: work()) }
        }
    }

    /// Runs a throwing `work` on a new thread.
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let result: Result<T, any Error> = await run { Result { try work() } }
        return try result.get()
    }

    /// Starts `work` on a new thread with an 8 MiB stack.
    static func detach(_ work: @escaping @Sendable () -> Void) {
        let thread = Thread(block: work)
        thread.stackSize = 8 << 20
        thread.start()
    }
}
