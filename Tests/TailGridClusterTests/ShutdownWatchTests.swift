import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import Synchronization
import TailGridCluster
import TailGridProtocol
import Testing

/// The defect (CI, once): a client watching a queued job when its coordinator shut down
/// heard the stream end cleanly with the job still queued, reconnected to a coordinator
/// that was gone, and waited out its 300 s instead of exiting 80 "interrupted". The
/// shutdown had handed the watch its last status, but the server's quiescing cancelled
/// the call and the handler stopped reading before writing it. Now a cancelled call ends
/// its stream after the statuses already buffered.
@Suite("Watches across a shutdown")
struct ShutdownWatchTests {
    /// The health watch, driven by hand: its second write waits at a gate (a slow client)
    /// while a third status is buffered and the call is cancelled, as quiescing does. The
    /// buffered status must still be written, and the call must end. (Cancelling the
    /// handler's task, as before, made that write throw.)
    @Test func aCancelledWatchStillWritesWhatWasBuffered() async throws {
        let health = HealthService()
        let writer = GatedWriter()
        let (call, handle) = try await Self.watch(health, writingTo: writer)
        health.setServing(false)
        try #require(await wait(upTo: .seconds(30)) { writer.statuses.count == 2 }) // the second write waits at the gate
        health.setServing(true) // buffered behind it
        handle.cancel()
        writer.open()
        try await call.value
        #expect(writer.statuses == [.serving, .notServing, .serving])
        #expect(health.watcherCount == 0)
    }

    /// A cancelled call whose stream has nothing buffered ends at once (a client that went
    /// away costs no watcher).
    @Test func aCancelledIdleWatchEnds() async throws {
        let health = HealthService()
        let writer = GatedWriter(gateAt: 0)
        let (call, handle) = try await Self.watch(health, writingTo: writer)
        handle.cancel()
        try await call.value
        #expect(writer.statuses == [.serving])
        #expect(health.watcherCount == 0)
    }

    /// Opens a health watch on the server's side, as gRPC calls it, once its watcher is
    /// registered: the call, and the handle that cancels its RPC.
    static func watch(_ health: HealthService, writingTo writer: GatedWriter)
        async throws -> (call: Task<Void, any Error>, handle: ServerContext.RPCCancellationHandle) {
        let handles = Mutex<ServerContext.RPCCancellationHandle?>(nil)
        let call = Task {
            try await withServerContextRPCCancellationHandle { handle in
                handles.withLock { $0 = handle }
                let context = ServerContext(descriptor: Grpc_Health_V1_Health.Method.Watch.descriptor, remotePeer: "test",
                                            localPeer: "test", cancellation: handle)
                try await health.watch(request: .with { $0.service = "" }, response: RPCWriter(wrapping: writer), context: context)
            }
        }
        try #require(await wait(upTo: .seconds(30)) { health.watcherCount == 1 })
        return (call, try #require(handles.withLock { $0 }))
    }

    /// The coordinator's own sequence over real HTTP/2 on loopback: `shutdown()` hands
    /// every watcher its job's interrupted status, then the server shuts down gracefully
    /// at once. Each of 4 watchers must hear "interrupted", 20 times over.
    @Test func watchersHearTheirJobInterruptedByAShutdown() async throws {
        for round in 0..<20 {
            let coordinator = Coordinator(logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            let id = try coordinator.submit(try ClusterJobs.quickstart).jobID
            let server = GRPCServer(transport: .http2NIOPosix(address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext),
                                    services: CoordinatorServer.services(coordinator: coordinator))
            let serving = Task { try await server.serve() }
            defer { serving.cancel() }
            guard let port = try await server.listeningAddress?.ipv4?.port else { throw TestFailure("no port") }
            let heard = (0..<4).map { _ in Heard() }
            try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for watcher in heard {
                        group.addTask {
                            try await Tailgrid_V1_JobService.Client(wrapping: client).watch(.with { $0.protocolVersion = .current; $0.jobID = id }) { response in
                                for try await status in response.messages { watcher.statuses.withLock { $0.append(status) } }
                            }
                        }
                    }
                    try #require(await wait(upTo: .seconds(30)) { heard.allSatisfy { !$0.statuses.withLock { $0.isEmpty } } })
                    coordinator.shutdown()
                    server.beginGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            for (index, watcher) in heard.enumerated() {
                let last = try #require(watcher.statuses.withLock { $0.last }, "round \(round)")
                #expect(last.state == .failed && last.interrupted, "round \(round), watcher \(index): the watch ended with \(last.state)")
            }
        }
    }
}

/// The statuses a watching client heard.
private final class Heard: Sendable {
    let statuses = Mutex<[Tailgrid_V1_JobStatus]>([])
}

/// Records the statuses written; the write numbered `gateAt` (from 1) waits until `open`.
/// A write in a cancelled task throws, as the transport's writer does.
final class GatedWriter: RPCWriterProtocol, Sendable {
    typealias Element = Grpc_Health_V1_HealthCheckResponse
    private let written = Mutex<[Grpc_Health_V1_HealthCheckResponse.ServingStatus]>([])
    private let gate: AsyncStream<Void>
    private let opener: AsyncStream<Void>.Continuation
    private let gateAt: Int

    init(gateAt: Int = 2) {
        (gate, opener) = AsyncStream<Void>.makeStream()
        self.gateAt = gateAt
    }

    var statuses: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] { written.withLock { $0 } }

    func open() { opener.finish() }

    /// Throws in a cancelled task, as the transport's writer does.
    func write(_ element: Element) async throws {
        try Task.checkCancellation()
        let count = written.withLock { $0.append(element.status); return $0.count }
        if count == gateAt { for await _ in gate {} }
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
        for element in elements { try await write(element) }
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; whether it held.
func wait(upTo timeout: Duration, until condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
