import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import TailGridProtocol

/// The coordinator's gRPC server as a swift-service-lifecycle Service: job, work and
/// health services on one HTTP/2 port. On graceful shutdown (SIGTERM) it reports
/// NOT_SERVING at once and refuses new jobs, lets queued and running jobs finish for up
/// to `drainTime` (workers keep computing), then closes worker and watcher streams and
/// stops the server: unfinished jobs stay in the journal when there is one, and are
/// interrupted otherwise. Connections then get `GRPCServer.closeGrace` to close; the
/// service ends after it even if a peer hangs (a frozen worker never closes its stream).
public struct CoordinatorServer: Service {
    public let coordinator: Coordinator
    public let host: String
    public let port: Int
    public let access: ClusterAccess
    public let drainTime: Duration
    public let tls: ClusterTLS
    let health = HealthService()
    let onListening: @Sendable (String, Int) -> Void
    let logger: Logger

    public init(coordinator: Coordinator, host: String, port: Int, access: ClusterAccess, drainTime: Duration = .seconds(30),
                tls: ClusterTLS = ClusterTLS(), logger: Logger = Logger(label: "tailgrid.coordinator"),
                onListening: @escaping @Sendable (String, Int) -> Void = { _, _ in }) {
        self.coordinator = coordinator
        self.host = host
        self.port = port
        self.access = access
        self.drainTime = drainTime
        self.tls = tls
        self.logger = logger
        self.onListening = onListening
    }

    /// HTTP/2 settings from the toolchain notes: a 4 MiB window and 1 MiB frames instead of
    /// 64 KiB windows (about 7x the loopback throughput); the request limits (below),
    /// and a deliberate cap on concurrent streams per connection (advertised in SETTINGS,
    /// so well-behaved clients queue; a stream beyond it is refused alone).
    static func transportConfig(_ limits: ClusterLimits) -> HTTP2ServerTransport.Posix.Config {
        .defaults { config in
            config.http2.targetWindowSize = 4 << 20
            config.http2.maxFrameSize = 1 << 20
            config.http2.maxConcurrentStreams = limits.maxConcurrentStreams
            // The transport resets a stream whose message exceeds this before anyone reads
            // it; up to it, the services answer a message over `maxMessageBytes` with
            // RESOURCE_EXHAUSTED, which a client can act on.
            config.rpc.maxRequestPayloadSize = 2 * limits.maxMessageBytes
        }
    }

    /// The coordinator's services, for any server transport (TCP here; in-process in tests).
    public static func services(coordinator: Coordinator, health: HealthService = HealthService()) -> [any RegistrableRPCService] {
        [JobService(coordinator: coordinator), WorkService(coordinator: coordinator), health]
    }

    /// Access checking by role (tokens, certificate roles); none for an open loopback cluster.
    public static func interceptors(access: ClusterAccess) -> [any ServerInterceptor] {
        [AccessInterceptor(access: access)]
    }

    public func run() async throws {
        let address: GRPCNIOTransportCore.SocketAddress = host.contains(":")
            ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
        let server = GRPCServer(
            transport: .http2NIOPosix(address: address, transportSecurity: try tls.serverSecurity(),
                                      config: Self.transportConfig(coordinator.configuration.limits)),
            services: Self.services(coordinator: coordinator, health: health),
            interceptors: Self.interceptors(access: access))
        let coordinator = self.coordinator
        let health = self.health
        let drainTime = self.drainTime
        let logger = self.logger
        try await server.serve(onListening: onListening, logger: logger, alongside: { await coordinator.runTimers() }) {
            health.setServing(false)
            let unfinished = coordinator.unfinishedJobs
            if unfinished > 0 {
                logger.info("SIGTERM: draining \(unfinished) unfinished jobs for up to \(drainTime)")
            }
            if await coordinator.drain(upTo: drainTime) == false {
                logger.warning("the drain time ended with \(coordinator.unfinishedJobs) unfinished jobs")
            }
            coordinator.shutdown()
        }
    }
}
