import GRPCCore
import Logging
import ServiceLifecycle

extension GRPCServer {
    /// How long a server waits after its graceful shutdown begins for connections to
    /// close, before it stops waiting for their peers.
    static var closeGrace: Duration { .seconds(5) }

    /// A service's life: serves (with `alongside`, a timer or a client, running beside it)
    /// until the service's graceful shutdown, which runs `beforeClosing` (health
    /// NOT_SERVING, a drain), then begins the server's own and ends once the server has
    /// stopped or `closeGrace` has passed (logged on `logger`).
    func serve(onListening: @Sendable (String, Int) -> Void, logger: Logger? = nil,
               alongside: (@Sendable () async throws -> Void)? = nil,
               beforeClosing: @escaping @Sendable () async -> Void) async throws {
        // Tasks say whether their end ends the service: the server's, or the shutdown's
        // once its grace has passed.
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await self.serveAbandonably()
                return true
            }
            if let alongside {
                group.addTask {
                    try await alongside()
                    return false
                }
            }
            group.addTask {
                // Throws when the service is cancelled instead: then nothing drains.
                guard (try? await gracefulShutdown()) != nil else { return false }
                await beforeClosing()
                guard await self.closeWithinGrace() else { return false }
                logger?.warning("connections still open \(Self.closeGrace) after the shutdown began: stopping without their peers")
                return true
            }
            try await reportListening(onListening)
            defer { group.cancelAll() }
            while let ends = try await group.next(), !ends {}
        }
    }

    /// `serve()`, awaited so that cancelling the caller ends the wait.
    ///
    /// grpc-swift-nio-transport waits, without regard to cancellation, for each stream to
    /// be closed by its peer once the handler has answered; a peer that hangs (a frozen
    /// worker process, a partitioned host) never closes it, and `serve()` never returns
    /// after a graceful shutdown. Serving in a task of its own lets the service end
    /// anyway (and the process exit): the task is cancelled and left behind.
    func serveAbandonably() async throws {
        let (ended, continuation) = AsyncStream<Result<Void, any Error>>.makeStream()
        let serving = Task {
            do {
                try await self.serve()
                continuation.yield(.success(()))
            } catch {
                continuation.yield(.failure(error))
            }
            continuation.finish()
        }
        try await withTaskCancellationHandler {
            // The stream ends without an element when the caller is cancelled.
            for await outcome in ended { try outcome.get() }
        } onCancel: {
            serving.cancel()
        }
    }

    /// Begins the graceful shutdown and waits `closeGrace` for it: true once the grace
    /// has passed (the caller then stops serving abruptly), false when cancelled first
    /// (the server ended by itself).
    func closeWithinGrace() async -> Bool {
        beginGracefulShutdown()
        do {
            try await Task.sleep(for: Self.closeGrace)
            return true
        } catch {
            return false
        }
    }

    /// Calls `onListening` with the host and port the server bound (port 0 picks one)
    /// once it listens: what `coordinator` and `worker --health-listen` print.
    func reportListening(_ onListening: @Sendable (String, Int) -> Void) async throws {
        guard let listening = try await listeningAddress else { return }
        if let ipv4 = listening.ipv4 {
            onListening(ipv4.host, ipv4.port)
        } else if let ipv6 = listening.ipv6 {
            onListening(ipv6.host, ipv6.port)
        }
    }
}
