import GRPCCore
import Synchronization
import TailGridProtocol

/// grpc.health.v1.Health: SERVING while the coordinator accepts jobs, NOT_SERVING once it
/// is shutting down. Answers for the empty service name (the server) and for the two
/// TailGrid services.
public final class HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol, Sendable {
    static let services: Set<String> = ["", "tailgrid.v1.JobService", "tailgrid.v1.WorkService"]
    let serving = Mutex(true)
    let watchers = Mutex<[AsyncStream<Bool>.Continuation]>([])

    public init() {}

    public func setServing(_ value: Bool) {
        serving.withLock { $0 = value }
        for watcher in watchers.withLock({ $0 }) { watcher.yield(value) }
    }

    func status(for service: String) -> Grpc_Health_V1_HealthCheckResponse.ServingStatus? {
        guard Self.services.contains(service) else { return nil }
        return serving.withLock { $0 } ? .serving : .notServing
    }

    public func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard let status = status(for: request.service) else {
            throw RPCError(code: .notFound, message: "unknown service '\(request.service)'")
        }
        return .with { $0.status = status }
    }

    public func watch(request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
               context: ServerContext) async throws {
        let (changes, continuation) = AsyncStream<Bool>.makeStream(bufferingPolicy: .bufferingNewest(1))
        watchers.withLock { $0.append(continuation) }
        try await response.write(.with { $0.status = status(for: request.service) ?? .serviceUnknown })
        guard Self.services.contains(request.service) else { return }
        for await value in changes {
            try await response.write(.with { $0.status = value ? .serving : .notServing })
        }
    }
}
