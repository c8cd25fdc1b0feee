import GRPCCore
import TailGridJob
import Synchronization
import GRPCProtobuf
import TailGridProtocol

/// tailgrid.v1.WorkService: one bidirectional stream per worker. A writer task forwards
/// the coordinator's messages for the worker; a reader task hands the worker's messages
/// to the coordinator. Whichever ends first ends the call: the worker left, or the
/// coordinator closed its stream (shutdown, quarantine). Either way the worker is
/// unregistered and its leases go back to the queue.
///
/// Registered by hand rather than through the generated protocol: its requests are read
/// with their sizes on the wire (`SizedMessage`), which the limit and the job's summary
/// bytes use.
struct WorkService: RegistrableRPCService {
    let coordinator: Coordinator

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(forMethod: Tailgrid_V1_WorkService.Method.Work.descriptor,
                               deserializer: SizedProtobufDeserializer<Tailgrid_V1_WorkerMessage>(),
                               serializer: ProtobufSerializer<Tailgrid_V1_CoordinatorMessage>()) { request, context in
            StreamingServerResponse { response in
                try await self.work(request: request.messages, response: response, context: context)
                return [:]
            }
        }
    }

    func work(request: RPCAsyncSequence<SizedMessage<Tailgrid_V1_WorkerMessage>, any Error>,
              response: RPCWriter<Tailgrid_V1_CoordinatorMessage>, context: ServerContext) async throws {
        let (outbound, continuation) = AsyncStream<Tailgrid_V1_CoordinatorMessage>.makeStream()
        let registered = Registration()
        // Why the stream ended, when the coordinator ended it (a message over its limit, or
        // one it refused): the leases' failures, and so the job's last error, say so.
        var reason = "disconnected"
        defer {
            if let worker = registered.worker.withLock({ $0 }) {
                coordinator.unregister(worker: worker, reason: reason)
            }
            continuation.finish()
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await message in outbound { try await response.write(message) }
                }
                group.addTask {
                    try await self.read(request, registered: registered, outbound: continuation, peer: context.remotePeer)
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch let error as RPCError where error.code == .resourceExhausted || error.code == .invalidArgument {
            reason = "disconnected: \(Wire.shown(error.message, limit: 300))"
            throw error
        }
    }

    /// The worker's messages: a hello that registers it, then each handed to the
    /// coordinator. Ends with the stream, or throws what ends it.
    private func read(_ request: RPCAsyncSequence<SizedMessage<Tailgrid_V1_WorkerMessage>, any Error>, registered: Registration,
                      outbound: AsyncStream<Tailgrid_V1_CoordinatorMessage>.Continuation, peer: String) async throws {
        var worker: UInt64?
        let limit = coordinator.configuration.limits.maxMessageBytes
        for try await sized in request {
            let message = sized.message
            let bytes = sized.bytes
            guard bytes <= limit else {
                throw RPCError(code: .resourceExhausted, message: "a message of \(bytes) bytes exceeds this coordinator's limit of \(limit) bytes per message")
            }
            guard let worker else {
                let id = try register(message, outbound: outbound, peer: peer)
                registered.worker.withLock { $0 = id }
                worker = id
                continue
            }
            do {
                // Result bytes (chunk summaries, stress batches, replays) are reported per
                // job; no other message is counted.
                let counted: Int
                switch message.kind {
                case .result, .results, .stressResult, .replayResult: counted = bytes
                default: counted = 0
                }
                try coordinator.receive(message, bytes: counted, from: worker)
            } catch {
                throw RPCError(code: .invalidArgument, message: "\(error)")
            }
        }
    }

    /// The stream's first message, a hello: the worker registered, or why not.
    private func register(_ message: Tailgrid_V1_WorkerMessage, outbound: AsyncStream<Tailgrid_V1_CoordinatorMessage>.Continuation,
                          peer: String) throws -> UInt64 {
        guard case .hello(let hello) = message.kind else {
            throw RPCError(code: .invalidArgument, message: "the first message of a Work stream must be a hello")
        }
        guard hello.protocolVersion == Wire.protocolVersion else {
            throw RPCError(code: .failedPrecondition,
                           message: "worker protocol version \(hello.protocolVersion.rawValue) is not supported; this coordinator speaks tailgrid.v1 version \(Wire.protocolVersion.rawValue)")
        }
        // Chunks of another engine version would not be bit-identical (an honest
        // mistake of a rolling upgrade; a lying worker is the audit's business).
        guard hello.engineVersion == EngineVersion.current else {
            throw RPCError(code: .failedPrecondition,
                           message: "worker engine version '\(Wire.shown(hello.engineVersion, limit: 40))' differs from this coordinator's \(EngineVersion.current): its chunks would not be bit-identical; run one engine version per cluster")
        }
        let name = hello.workerName.isEmpty ? peer : Wire.shown(hello.workerName, limit: 120)
        let machine = ResultDocument.Provenance(
            engineVersion: EngineVersion.current, openblasConfig: Wire.shown(hello.openblasConfig, limit: 200),
            openblasCore: Wire.shown(hello.openblasCore, limit: 60), host: Wire.shown(hello.host.isEmpty ? peer : hello.host, limit: 120))
        do throws(ClusterError) {
            return try coordinator.register(name: name, slots: Int(clamping: hello.slots), machine: machine, outbound: outbound,
                                            takesGroups: hello.takesAssignmentGroups)
        } catch {
            throw RPCError(code: error.code == .unavailable ? .unavailable : .permissionDenied, message: error.message)
        }
    }
}

/// The worker a Work stream registered, shared by its reader task and its cleanup.
final class Registration: Sendable {
    let worker = Mutex<UInt64?>(nil)
}
