import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import TailGridEngine
import TailGridProtocol

/// `tailgrid serve`'s gRPC server as a swift-service-lifecycle Service: the what-if
/// service over a book held in memory, and health, on one HTTP/2 port, with the
/// coordinator's access rules (the what-if service needs the client role). On graceful
/// shutdown it reports NOT_SERVING and lets calls in flight finish.
public struct BookServer: Service {
    public let book: ServedBook
    public let file: String
    public let host: String
    public let port: Int
    public let access: ClusterAccess
    public let tls: ClusterTLS
    let health = HealthService()
    let onListening: @Sendable (String, Int) -> Void

    public init(book: ServedBook, file: String, host: String, port: Int, access: ClusterAccess, tls: ClusterTLS = ClusterTLS(),
                onListening: @escaping @Sendable (String, Int) -> Void = { _, _ in }) {
        self.book = book
        self.file = file
        self.host = host
        self.port = port
        self.access = access
        self.tls = tls
        self.onListening = onListening
    }

    /// The server's services, for any server transport.
    public static func services(book: ServedBook, file: String, health: HealthService = HealthService()) -> [any RegistrableRPCService] {
        [WhatIfService(book: book, file: file), health]
    }

    public func run() async throws {
        let address: GRPCNIOTransportCore.SocketAddress = host.contains(":")
            ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
        let server = GRPCServer(
            transport: .http2NIOPosix(address: address, transportSecurity: try tls.serverSecurity(),
                                      config: CoordinatorServer.transportConfig(ClusterLimits())),
            services: Self.services(book: book, file: file, health: health),
            interceptors: CoordinatorServer.interceptors(access: access))
        let health = self.health
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await server.serve()
                return true
            }
            group.addTask {
                guard (try? await gracefulShutdown()) != nil else { return false }
                health.setServing(false)
                server.beginGracefulShutdown()
                return false
            }
            try await server.reportListening(onListening)
            defer { group.cancelAll() }
            while let isServer = try await group.next(), !isServer {}
        }
    }
}
