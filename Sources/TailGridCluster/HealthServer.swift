import GRPCCore
import GRPCNIOTransportHTTP2
import ServiceLifecycle

/// grpc.health.v1 alone on a port of its own, as a swift-service-lifecycle Service: a
/// worker's readiness for Kubernetes' gRPC probe (`readinessProbe.grpc`) or any health
/// checker. Plaintext and without a token, like the coordinator's health service; bind it
/// where only the probe reaches (the pod's own address, or loopback).
public struct HealthServer: Service {
    public let host: String
    public let port: Int
    public let health: HealthService
    let onListening: @Sendable (String, Int) -> Void

    public init(host: String, port: Int, health: HealthService, onListening: @escaping @Sendable (String, Int) -> Void = { _, _ in }) {
        self.host = host
        self.port = port
        self.health = health
        self.onListening = onListening
    }

    public func run() async throws {
        let address: GRPCNIOTransportCore.SocketAddress = host.contains(":")
            ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
        let server = GRPCServer(transport: .http2NIOPosix(address: address, transportSecurity: .plaintext), services: [health])
        let health = self.health
        try await server.serve(onListening: onListening) {
            health.setServing(false)
        }
    }
}
