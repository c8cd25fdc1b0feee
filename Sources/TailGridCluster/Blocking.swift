import Foundation
import GRPCCore

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

/// Long-lived server calls (watches) end when the client goes away. gRPC signals a
/// cancelled RPC through the server context's cancellation handle, not by cancelling the
/// handler's task, so the body runs in a task of its own that the handle cancels.
enum ServerCall {
    static func untilCancelled(_ body: @escaping @Sendable () async throws -> Void) async throws {
        let task = Task { try await body() }
        try await withTaskCancellationHandler {
            try await withRPCCancellationHandler {
                try await task.value
            } onCancelRPC: {
                task.cancel()
            }
        } onCancel: {
            task.cancel()
        }
    }
}
