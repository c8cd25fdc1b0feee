import GRPCCore
import Synchronization
import TailGridProtocol

/// grpc.health.v1.Health: SERVING while the coordinator accepts jobs, NOT_SERVING once it
/// is shutting down. Answers for the empty service name (the server) and for the two
/// TailGrid services. Open without a token, so every watcher is removed when its call
/// ends: a client opening and cancelling watches costs no memory.
public final class HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol, Sendable {
    static let services: Set<String> = ["", "tailgrid.v1.JobService", "tailgrid.v1.WorkService"]
    struct State {
        var serving = true
        var watchers: [UInt64: AsyncStream<Bool>.Continuation] = [:]
        var nextWatcher: UInt64 = 0
    }
    let state = Mutex(State())

    /// Serving from the start (a coordinator), or not until told (a worker, which is
    /// ready once its coordinator has welcomed it).
    public init(serving: Bool = true) {
        state.withLock { $0.serving = serving }
    }

    public func setServing(_ value: Bool) {
        let watchers = state.withLock { state in
            state.serving = value
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.yield(value) }
    }

    /// Open Watch calls (for tests of memory bounds).
    public var watcherCount: Int { state.withLock { $0.watchers.count } }

    func status(for service: String) -> Grpc_Health_V1_HealthCheckResponse.ServingStatus? {
        guard Self.services.contains(service) else { return nil }
        return state.withLock { $0.serving } ? .serving : .notServing
    }

    public func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard let status = status(for: request.service) else {
            throw RPCError(code: .notFound, message: "unknown service '\(Wire.shown(request.service))'")
        }
        return .with { $0.status = status }
    }

    public func watch(request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
                      context: ServerContext) async throws {
        try await response.write(.with { $0.status = status(for: request.service) ?? .serviceUnknown })
        guard Self.services.contains(request.service) else { return }
        let (changes, continuation) = AsyncStream<Bool>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            state.nextWatcher += 1
            state.watchers[state.nextWatcher] = continuation
            return state.nextWatcher
        }
        defer { _ = state.withLock { $0.watchers.removeValue(forKey: id) } }
        try await ServerCall.forward(changes, end: { continuation.finish() }) { value in
            try await response.write(.with { $0.status = value ? .serving : .notServing })
        }
    }
}
