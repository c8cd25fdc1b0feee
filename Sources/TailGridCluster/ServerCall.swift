import GRPCCore

/// Long-lived server calls (watches) end when the client goes away or the server shuts
/// down. gRPC signals both through the server context's cancellation handle, not by
/// cancelling the handler's task.
enum ServerCall {
    /// Writes each element of `stream` until it ends. A cancelled RPC calls `end`, which
    /// finishes the stream's continuation instead of cancelling the reading: elements
    /// already buffered are still written. A graceful shutdown quiesces every call while
    /// the coordinator's last statuses (a job interrupted by the shutdown) may still sit
    /// in the buffer; cancelling the reading dropped them, and the client, hearing a clean
    /// end with its job still queued, reconnected to a coordinator that was gone. A client
    /// that went away fails the next write, which ends the call.
    static func forward<Element: Sendable>(_ stream: some AsyncSequence<Element, Never>, end: @escaping @Sendable () -> Void,
                                           write: (Element) async throws -> Void) async throws {
        try await withTaskCancellationHandler {
            try await withRPCCancellationHandler {
                for await element in stream { try await write(element) }
            } onCancelRPC: {
                end()
            }
        } onCancel: {
            end()
        }
    }
}
