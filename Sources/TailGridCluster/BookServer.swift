import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import TailGridEngine
import TailGridProtocol

/// `tailgrid serve`'s gRPC server as a swift-service-lifecycle Service: the what-if
/// service over a book held in memory, and health, on one HTTP/2 port, with the
/// coordinator's access rules (the what-if service needs the client role); `gate` bounds
/// the what-ifs computing and waiting at once. On graceful
/// shutdown it reports NOT_SERVING and lets calls in flight finish.
public struct BookServer: Service {
    /// What a `tailgrid serve` holds: a book (whole, or a shard of it), or the front of a
    /// book held in shards.
    public enum Book: Sendable {
        case held(ServedBook, jobSHA256: String)
        case front(ShardFront)

        public var job: EngineJob {
            switch self {
            case .held(let book, _): book.plan.job
            case .front(let front): front.plan.job
            }
        }
    }

    public let book: Book
    public let file: String
    public let host: String
    public let port: Int
    public let access: ClusterAccess
    public let tls: ClusterTLS
    public let gate: ComputeGate
    let health = HealthService()
    let onListening: @Sendable (String, Int) -> Void

    public init(book: Book, file: String, host: String, port: Int, access: ClusterAccess, tls: ClusterTLS = ClusterTLS(),
                gate: ComputeGate = BookServer.defaultGate(), onListening: @escaping @Sendable (String, Int) -> Void = { _, _ in }) {
        self.book = book
        self.file = file
        self.host = host
        self.port = port
        self.access = access
        self.tls = tls
        self.gate = gate
        self.onListening = onListening
    }

    /// One what-if computing per core, and up to 256 waiting (about 0.7 s of work on two
    /// cores at 5 ms each).
    public static func defaultGate(running: Int = ProcessInfo.processInfo.activeProcessorCount, waiting: Int = 256) -> ComputeGate {
        ComputeGate(running: running, waiting: waiting)
    }

    /// The server's services, for any server transport.
    public static func services(book: Book, file: String, gate: ComputeGate = defaultGate(),
                                health: HealthService = HealthService()) -> [any RegistrableRPCService] {
        let whatIfs = WhatIfService(book: book, file: file, gate: gate)
        switch book {
        case .held(let held, let digest): return [whatIfs, ShardService(book: held, file: file, jobSHA256: digest, gate: gate), health]
        case .front: return [whatIfs, health]
        }
    }

    public func run() async throws {
        let address: GRPCNIOTransportCore.SocketAddress = host.contains(":")
            ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
        let server = GRPCServer(
            transport: .http2NIOPosix(address: address, transportSecurity: try tls.serverSecurity(),
                                      config: CoordinatorServer.transportConfig(ClusterLimits())),
            services: Self.services(book: book, file: file, gate: gate, health: health),
            interceptors: CoordinatorServer.interceptors(access: access))
        let health = self.health
        let front: ShardFront? = if case .front(let front) = book { front } else { nil }
        var alongside: (@Sendable () async throws -> Void)?
        if let front {
            // The front's connections to its shards close when the service ends.
            alongside = {
                try await withTaskCancellationHandler {
                    try await front.run()
                } onCancel: {
                    front.shutdown()
                }
            }
        }
        try await server.serve(onListening: onListening, alongside: alongside) {
            health.setServing(false)
        }
    }
}
