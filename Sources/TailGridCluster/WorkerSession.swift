import Foundation
import Logging
import Synchronization
import TailGridEngine
import TailGridJob
import TailGridNumerics
import TailGridProtocol

/// A worker's state across its connections: job payloads and the plans built from them,
/// the leases it is computing, and the stream its messages go out on.
final class WorkerSession: Sendable {
    struct Payload {
        var name = ""
        var sha256 = ""
        var yaml = Data()
        var csv = Data()
    }

    struct State {
        var outbound: AsyncStream<Tailgrid_V1_WorkerMessage>.Continuation?
        var draining = false
        var payloads: [String: Payload] = [:]
        /// Plans by job, most recent last; a few are kept.
        var plans: [(job: String, plan: Result<EnginePlan, ClusterError>)] = []
        /// Leases being computed, and whether they were revoked.
        var active: [UInt64: Bool] = [:]
        var partBytes = ClusterLimits().partBytes
    }

    let logger: Logger
    let state = Mutex(State())
    static let keptPlans = 4

    init(logger: Logger) {
        self.logger = logger
    }

    var isDraining: Bool { state.withLock { $0.draining } }

    func attach(_ outbound: AsyncStream<Tailgrid_V1_WorkerMessage>.Continuation) {
        state.withLock { $0.outbound = outbound }
    }

    /// The connection ended: leases in flight cannot be delivered any more (the
    /// coordinator has requeued them), so they are dropped.
    func detach() {
        state.withLock { state in
            state.outbound?.finish()
            state.outbound = nil
            for lease in state.active.keys { state.active[lease] = true }
        }
    }

    /// Graceful shutdown: take no new chunks, finish the running ones, then close.
    func drain() {
        state.withLock { state in
            state.draining = true
            if state.active.isEmpty { state.outbound?.finish() }
        }
        logger.info("draining: finishing chunks in progress, then leaving")
    }

    func heartbeat() {
        state.withLock { state in
            var message = Tailgrid_V1_WorkerMessage()
            message.heartbeat.leaseIds = Array(state.active.keys)
            state.outbound?.yield(message)
        }
    }

    /// Handles one message from the coordinator.
    func handle(_ message: Tailgrid_V1_CoordinatorMessage) async throws(ClusterError) {
        switch message.kind {
        case .welcome(let welcome):
            guard welcome.protocolVersion == Wire.protocolVersion else {
                throw ClusterError(.protocolMismatch, "the coordinator speaks protocol version \(welcome.protocolVersion.rawValue); this worker speaks \(Wire.protocolVersion.rawValue)")
            }
            logger.info("joined as \(welcome.workerID)")
        case .payload(let part):
            let complete: Payload? = state.withLock { state in
                var payload = state.payloads[part.jobID] ?? Payload()
                if !part.jobFileName.isEmpty { payload.name = part.jobFileName }
                if !part.inputSha256.isEmpty { payload.sha256 = part.inputSha256 }
                payload.yaml.append(part.jobYaml)
                payload.csv.append(part.positionsCsv)
                state.payloads[part.jobID] = part.last ? nil : payload
                return part.last ? payload : nil
            }
            if let complete {
                let plan = await Self.offCooperativePool { Self.plan(from: complete) }
                state.withLock { state in
                    state.plans.removeAll { $0.job == part.jobID }
                    state.plans.append((part.jobID, plan))
                    if state.plans.count > Self.keptPlans { state.plans.removeFirst() }
                }
            }
        case .assignment(let assignment):
            start(assignment)
        case .revoke(let revoke):
            state.withLock { state in
                if state.active[revoke.leaseID] != nil { state.active[revoke.leaseID] = true }
            }
        case nil:
            break
        }
    }

    static func plan(from payload: Payload) -> Result<EnginePlan, ClusterError> {
        do {
            let loaded = try JobFile.parse(jobBytes: payload.yaml, path: payload.name, positions: payload.csv.isEmpty ? nil : payload.csv)
            guard loaded.inputSHA256 == payload.sha256 else {
                return .failure(ClusterError(.protocolViolation, "job payload hashes to \(loaded.inputSHA256), expected \(payload.sha256)"))
            }
            return .success(try EnginePlan(loaded.engineJob))
        } catch let error as JobError {
            return .failure(ClusterError(.invalidJob, error.description))
        } catch {
            return .failure(ClusterError(.invalidJob, "\(error)"))
        }
    }

    func start(_ assignment: Tailgrid_V1_ChunkAssignment) {
        let lease = assignment.leaseID
        let plan: Result<EnginePlan, ClusterError>? = state.withLock { state in
            if state.draining {
                var message = Tailgrid_V1_WorkerMessage()
                message.failure.leaseID = lease
                message.failure.message = "worker is shutting down"
                message.failure.returned = true
                state.outbound?.yield(message)
                return nil
            }
            let plan = state.plans.last { $0.job == assignment.jobID }?.plan
                ?? .failure(ClusterError(.protocolViolation, "no payload received for job \(assignment.jobID)"))
            if case .success = plan { state.active[lease] = false }
            return plan
        }
        switch plan {
        case nil:
            return
        case .failure(let error):
            fail(lease: lease, error.message)
        case .success(let plan):
            logger.debug("computing chunk \(assignment.chunkIndex) of job \(assignment.jobID) (lease \(lease))")
            let range = assignment.firstScenario..<assignment.endScenario
            let floors = assignment.floors.count == plan.job.accounts.count ? assignment.floors : nil
            let thread = Thread { [self] in
                let summary = ChunkComputer(plan: plan).summarize(range, floors: floors)
                deliver(lease: lease, summary: summary)
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    func fail(lease: UInt64, _ text: String) {
        state.withLock { state in
            var message = Tailgrid_V1_WorkerMessage()
            message.failure.leaseID = lease
            message.failure.message = text
            state.outbound?.yield(message)
        }
    }

    func deliver(lease: UInt64, summary: ChunkSummary) {
        state.withLock { state in
            guard let revoked = state.active.removeValue(forKey: lease) else { return }
            if !revoked {
                for part in Wire.resultParts(summary, leaseID: lease, budget: state.partBytes) {
                    var message = Tailgrid_V1_WorkerMessage()
                    message.result = part
                    state.outbound?.yield(message)
                }
            }
            if state.draining && state.active.isEmpty { state.outbound?.finish() }
        }
    }

    /// Runs blocking work on its own thread, keeping the cooperative pool free for I/O.
    static func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
