import GRPCCore

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
