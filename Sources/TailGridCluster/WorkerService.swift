import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import TailGridJob
import TailGridNumerics
import TailGridProtocol

/// A worker process as a swift-service-lifecycle Service: connects to the coordinator
/// (retrying while it cannot be reached, so workers may start first, join late, or
/// outlive a coordinator restart), computes the chunks it is given with `slots` threads,
/// and on graceful shutdown (SIGTERM) finishes or hands back its chunks and returns.
public struct WorkerService: Service {
    public let coordinator: String
    public let token: BearerToken?
    public let slots: Int
    public let name: String
    let makeTransport: @Sendable () throws -> any ClientTransport
    let logger: Logger
    /// Told whether the worker is joined to its coordinator (for a readiness probe).
    public var onReadiness: @Sendable (Bool) -> Void = { _ in }

    /// A worker of the coordinator at `coordinator`, over TCP.
    public init(coordinator: ClusterAddress, token: BearerToken?, slots: Int, name: String, tls: ClusterTLS = ClusterTLS(),
                logger: Logger = Logger(label: "tailgrid.worker")) {
        self.init(coordinator: coordinator.description, token: token, slots: slots, name: name, logger: logger) {
            try coordinator.clientTransport(tls: tls)
        }
    }

    /// A worker over any client transport; `transport` makes a fresh one per connection.
    public init(coordinator: String, token: BearerToken?, slots: Int, name: String,
                logger: Logger = Logger(label: "tailgrid.worker"),
                transport: @escaping @Sendable () throws -> any ClientTransport) {
        self.coordinator = coordinator
        self.token = token
        self.slots = max(1, slots)
        self.name = name
        self.makeTransport = transport
        self.logger = logger
    }

    public func run() async throws {
        BLAS.setThreadCount(1)
        let session = WorkerSession(logger: logger, slots: slots, onReadiness: onReadiness)
        try await withGracefulShutdownHandler {
            var delay = Duration.milliseconds(100)
            while !session.isDraining && !Task.isCancelled {
                do {
                    try await connect(session)
                    delay = .milliseconds(100)
                } catch let error as RPCError where error.code == .unauthenticated {
                    throw ClusterError(.unauthenticated, "coordinator \(coordinator) refused this worker: \(error.message)")
                } catch let error as RPCError where error.code == .permissionDenied {
                    throw ClusterError(.refused, "coordinator \(coordinator) refused this worker: \(error.message)")
                } catch let error as RPCError where error.code == .failedPrecondition {
                    throw ClusterError(.protocolMismatch, "coordinator \(coordinator) refused this worker: \(error.message)")
                } catch let error as ClusterError where error.code == .protocolMismatch {
                    throw error
                } catch {
                    if session.isDraining { break }
                    logger.info("coordinator \(coordinator) not reachable (\(error)); retrying in \(delay)")
                }
                if session.isDraining || Task.isCancelled { break }
                // The wait ends at a drain too: an unreachable coordinator must not hold a
                // SIGTERM back for a backoff of up to 2 s (past a short grace, it is a SIGKILL).
                try? await cancelWhenGracefulShutdown { [delay] in try await Task.sleep(for: delay) }
                delay = min(delay * 2, .seconds(2))
            }
        } onGracefulShutdown: {
            session.drain()
        }
    }

    /// One connection: hello, then messages both ways until either side ends the stream.
    func connect(_ session: WorkerSession) async throws {
        try await connect(session, over: try makeTransport())
    }

    func connect<Transport: ClientTransport>(_ session: WorkerSession, over transport: Transport) async throws {
        let machine = ResultDocument.Provenance.current
        let hello = Tailgrid_V1_WorkerMessage.with {
            $0.hello.protocolVersion = Wire.protocolVersion
            $0.hello.workerName = name
            $0.hello.slots = UInt32(slots)
            $0.hello.engineVersion = machine.engineVersion
            $0.hello.openblasCore = machine.openblasCore
            $0.hello.openblasConfig = machine.openblasConfig
            $0.hello.host = machine.host
            $0.hello.takesAssignmentGroups = true
        }
        let interval = Duration.seconds(1)
        try await withGRPCClient(transport: transport,
                                 interceptors: token.map { [BearerTokenClientInterceptor(token: $0)] } ?? []) { client in
            let work = Tailgrid_V1_WorkService.Client(wrapping: client)
            let (outbound, continuation) = AsyncStream<Tailgrid_V1_WorkerMessage>.makeStream()
            session.attach(continuation)
            defer { session.detach() }
            try await work.work(requestProducer: { writer in
                try await writer.write(hello)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await message in outbound { try await writer.write(message) }
                    }
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: interval)
                            session.heartbeat()
                        }
                    }
                    defer { group.cancelAll() }
                    try await group.next()
                }
            }, onResponse: { response in
                for try await message in response.messages {
                    try await session.handle(message)
                }
                session.detach()
            })
        }
    }
}
