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
        var inputs = Wire.InputCollector(limit: WorkerSession.maxPayloadBytes)
        var inputFailure: ClusterError?
        var backtestDay: Int64?
        var scenarios: UInt64 = 0
    }

    struct State {
        var outbound: AsyncStream<Tailgrid_V1_WorkerMessage>.Continuation?
        var draining = false
        var payloads: [String: Payload] = [:]
        /// Plans by job, most recently used last; a few are kept (a cache: a missing one
        /// is asked for again).
        var plans: [(job: String, plan: Result<EnginePlan, ClusterError>)] = []
        /// Leases being computed or queued, and whether they were revoked.
        var active: [UInt64: Bool] = [:]
        var partBytes = ClusterLimits().partBytes
        /// Whether the coordinator reads compact tails (smaller on the wire); told by its
        /// welcome.
        var compactTails = false
        /// Computations running, at most `slots`; the leases sent ahead of them (the
        /// coordinator's prefetch) wait here, oldest first.
        var computing = 0
        var queued: [(lease: UInt64, work: @Sendable () -> Void)] = []
        /// Groups of leases that came in one message (`ChunkAssignments`), by number: the
        /// leases still open and the chunk results kept until the last closes.
        var groups: [UInt64: LeaseGroup] = [:]
        var groupOf: [UInt64: UInt64] = [:]
        var nextGroup: UInt64 = 1

        /// A lease is done here (its result sent or kept, failed, handed back, or dropped
        /// as revoked): its group, once every lease of it is, sends its results.
        mutating func close(_ lease: UInt64) {
            guard let number = groupOf.removeValue(forKey: lease) else { return }
            groups[number]?.open.remove(lease)
            guard let group = groups[number], group.open.isEmpty else { return }
            groups[number] = nil
            for message in Wire.resultMessages(group.parts, budget: partBytes) { outbound?.yield(message) }
        }

        /// The heartbeat: the leases this worker still computes, and whether it drains.
        var heartbeatMessage: Tailgrid_V1_WorkerMessage {
            var message = Tailgrid_V1_WorkerMessage()
            message.heartbeat.leaseIds = Array(active.keys)
            message.heartbeat.draining = draining
            return message
        }

        /// Tells the stream that this worker drains and, with nothing in flight, closes it.
        func announceDraining() {
            outbound?.yield(heartbeatMessage)
            if active.isEmpty { outbound?.finish() }
        }
    }

    let logger: Logger
    let state = Mutex(State())
    /// Chunks computed at once, each on a thread of its own.
    let slots: Int
    /// Told true when the coordinator welcomes this worker, false when the connection
    /// ends or the worker drains: its readiness (`tailgrid worker --health-listen`).
    let onReadiness: @Sendable (Bool) -> Void
    static let keptPlans = 8
    /// A payload larger than any coordinator sends is refused (limits of the job and
    /// positions files together).
    static let maxPayloadBytes = 1 << 30

    init(logger: Logger, slots: Int = 1, onReadiness: @escaping @Sendable (Bool) -> Void = { _ in }) {
        self.logger = logger
        self.slots = max(1, slots)
        self.onReadiness = onReadiness
    }

    var isDraining: Bool { state.withLock { $0.draining } }

    /// A connection's stream. When the worker began to drain while it was connecting (no
    /// stream to tell), the new stream is told at once and, with nothing in flight, closed:
    /// otherwise the connection would wait for work that never comes, and the worker (a
    /// `run --workers` child stopped before its coordinator had a job) would never exit.
    func attach(_ outbound: AsyncStream<Tailgrid_V1_WorkerMessage>.Continuation) {
        state.withLock { state in
            state.outbound = outbound
            if state.draining { state.announceDraining() }
        }
    }

    /// The connection ended: leases in flight cannot be delivered any more (the
    /// coordinator has requeued them), so they are dropped.
    func detach() {
        state.withLock { state in
            state.outbound?.finish()
            state.outbound = nil
            for lease in state.active.keys { state.active[lease] = true }
            // The coordinator requeued them with the connection: nothing is kept to send.
            state.groups.removeAll()
            state.groupOf.removeAll()
        }
        onReadiness(false)
    }

    /// Graceful shutdown: take no new chunks, finish the running ones, hand the queued
    /// ones back (another worker takes them at once), then close.
    func drain() {
        state.withLock { state in
            state.draining = true
            for (lease, _) in state.queued {
                if state.active.removeValue(forKey: lease) == false {
                    state.outbound?.yield(Self.handBackMessage(lease: lease, payloadMissing: false))
                }
                state.close(lease)
            }
            state.queued.removeAll()
            // Say so first: the coordinator assigns nothing more, and does not count what
            // is in flight against its chunks.
            state.announceDraining()
        }
        onReadiness(false)
        logger.info("draining: finishing chunks in progress, then leaving")
    }

    func heartbeat() {
        state.withLock { state in state.outbound?.yield(state.heartbeatMessage) }
    }

    /// Handles one message from the coordinator.
    func handle(_ message: Tailgrid_V1_CoordinatorMessage) async throws(ClusterError) {
        switch message.kind {
        case .welcome(let welcome):
            guard welcome.protocolVersion == Wire.protocolVersion else {
                throw ClusterError(.protocolMismatch, "the coordinator speaks protocol version \(welcome.protocolVersion.rawValue); this worker speaks \(Wire.protocolVersion.rawValue)")
            }
            if welcome.maxMessageBytes > 0 {
                // Parts of a quarter of the coordinator's limit, at least 1 KiB.
                let limit = Int(clamping: welcome.maxMessageBytes)
                state.withLock { $0.partBytes = Swift.max(1024, limit / 4) }
            }
            state.withLock { $0.compactTails = welcome.acceptsCompactTails }
            logger.info("joined as \(welcome.workerID)")
            if !isDraining { onReadiness(true) }
        case .payload(let part):
            let complete: Payload? = state.withLock { state in
                var payload = state.payloads[part.jobID] ?? Payload()
                if !part.jobFileName.isEmpty { payload.name = part.jobFileName }
                if !part.inputSha256.isEmpty {
                    payload.sha256 = part.inputSha256
                    payload.backtestDay = part.hasBacktestDay ? part.backtestDay : nil
                    payload.scenarios = part.scenarios
                }
                payload.yaml.append(part.jobYaml)
                payload.csv.append(part.positionsCsv)
                for piece in part.inputs where payload.inputFailure == nil {
                    do throws(ClusterError) { try payload.inputs.add(piece) } catch { payload.inputFailure = error }
                }
                guard payload.yaml.count + payload.csv.count + payload.inputs.total <= Self.maxPayloadBytes else {
                    state.payloads[part.jobID] = nil
                    state.plans.append((part.jobID, .failure(ClusterError(.protocolViolation, "the job payload exceeds \(Self.maxPayloadBytes) bytes"))))
                    if state.plans.count > Self.keptPlans { state.plans.removeFirst() }
                    return nil
                }
                state.payloads[part.jobID] = part.last ? nil : payload
                return part.last ? payload : nil
            }
            if let complete {
                let plan = await Blocking.run { Self.plan(from: complete) }
                state.withLock { state in
                    state.plans.removeAll { $0.job == part.jobID }
                    state.plans.append((part.jobID, plan))
                    if state.plans.count > Self.keptPlans { state.plans.removeFirst() }
                }
            }
        case .assignment(let assignment):
            start(assignment)
        case .assignments(let group):
            state.withLock { state in
                let number = state.nextGroup
                state.nextGroup += 1
                var open: Set<UInt64> = []
                for assignment in group.assignments where state.groupOf[assignment.leaseID] == nil {
                    open.insert(assignment.leaseID)
                    state.groupOf[assignment.leaseID] = number
                }
                state.groups[number] = LeaseGroup(open: open)
            }
            for assignment in group.assignments { start(assignment) }
        case .revoke(let revoke):
            state.withLock { state in
                if state.active[revoke.leaseID] != nil { state.active[revoke.leaseID] = true }
            }
        case nil:
            break
        }
    }

    static func plan(from payload: Payload) -> Result<EnginePlan, ClusterError> {
        if let failure = payload.inputFailure { return .failure(failure) }
        do {
            let variant = try JobVariant.checked(backtestDay: payload.backtestDay, scenarios: payload.scenarios, file: payload.name)
            let loaded = try JobFile.parse(jobBytes: payload.yaml, path: payload.name, positions: payload.csv.isEmpty ? nil : payload.csv,
                                           inputs: payload.inputs.inputs, variant: variant)
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
        let plan: Result<EnginePlan, ClusterError>?? = state.withLock { state in
            if state.draining {
                state.outbound?.yield(Self.handBackMessage(lease: lease, payloadMissing: false))
                state.close(lease)
                return nil
            }
            guard let index = state.plans.lastIndex(where: { $0.job == assignment.jobID }) else {
                return .some(nil) // not held (any more): ask for it
            }
            let entry = state.plans.remove(at: index)
            state.plans.append(entry) // most recently used last
            if case .success = entry.plan { state.active[lease] = false }
            return .some(entry.plan)
        }
        switch plan {
        case nil:
            return
        case .some(nil):
            logger.info("no payload held for job \(Wire.shown(assignment.jobID)); asking for it again")
            handBack(lease: lease, payloadMissing: true)
        case .some(.failure(let error)):
            fail(lease: lease, error.message)
        case .some(.success(let plan)):
            let unit: WorkUnits.Unit
            var bars: ReplayBars?
            do throws(EngineError) {
                unit = try Wire.unit(of: assignment, plan: plan)
                if case .replay = unit { bars = try Wire.bars(of: assignment, plan: plan) }
            } catch {
                state.withLock { _ = $0.active.removeValue(forKey: lease) }
                fail(lease: lease, error.message)
                return
            }
            logger.debug("computing \(plan.units.describe(Int(assignment.chunkIndex))) of job \(assignment.jobID) (lease \(lease))",
                         metadata: ["job": .string(assignment.jobID), "chunk": .stringConvertible(Int(assignment.chunkIndex))])
            let floors = assignment.floors.isEmpty ? nil : assignment.floors
            schedule(lease: lease) { [self, bars] in
                do throws(EngineError) {
                    let started = ContinuousClock.now
                    let result = try plan.compute(unit, floors: floors, bars: bars)
                    deliver(lease: lease, result: result, seconds: (ContinuousClock.now - started).seconds)
                } catch {
                    state.withLock { _ = $0.active.removeValue(forKey: lease) }
                    fail(lease: lease, error.message)
                }
            }
        }
    }

    /// Starts a lease's computation on a thread of its own when fewer than `slots` run;
    /// otherwise it waits for the next to finish.
    func schedule(lease: UInt64, _ work: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            guard state.computing < slots else {
                state.queued.append((lease, work))
                return false
            }
            state.computing += 1
            return true
        }
        if now { launch(work) }
    }

    /// Runs `work`, then the oldest queued computation whose lease is still wanted (a
    /// lease revoked, or lost with its connection, while it waited is dropped uncomputed).
    private func launch(_ work: @escaping @Sendable () -> Void) {
        Blocking.detach { [self] in
            var next: (@Sendable () -> Void)? = work
            while let current = next {
                current()
                next = state.withLock { state -> (@Sendable () -> Void)? in
                    while !state.queued.isEmpty {
                        let (lease, queued) = state.queued.removeFirst()
                        if state.active[lease] == false { return queued }
                        state.active.removeValue(forKey: lease)
                        state.close(lease)
                    }
                    state.computing -= 1
                    if state.draining && state.active.isEmpty { state.outbound?.finish() }
                    return nil
                }
            }
        }
    }

    func fail(lease: UInt64, _ text: String) {
        state.withLock { state in
            var message = Tailgrid_V1_WorkerMessage()
            message.failure.leaseID = lease
            message.failure.message = text
            state.outbound?.yield(message)
            state.close(lease)
        }
    }

    func handBack(lease: UInt64, payloadMissing: Bool) {
        state.withLock { state in
            state.outbound?.yield(Self.handBackMessage(lease: lease, payloadMissing: payloadMissing))
            state.close(lease)
        }
    }

    /// A lease given back uncomputed: the worker is leaving (`returned`), or it lacks the
    /// job's payload and asks for it again. Neither costs the chunk an attempt.
    static func handBackMessage(lease: UInt64, payloadMissing: Bool) -> Tailgrid_V1_WorkerMessage {
        var message = Tailgrid_V1_WorkerMessage()
        message.failure.leaseID = lease
        message.failure.returned = !payloadMissing
        message.failure.payloadMissing = payloadMissing
        message.failure.message = payloadMissing ? "no payload held for this job" : "worker is shutting down"
        return message
    }

    /// A lease's result, computed in `seconds`: sent, or kept for its group's message.
    func deliver(lease: UInt64, result: WorkUnitResult, seconds: Double) {
        state.withLock { state in
            guard let revoked = state.active.removeValue(forKey: lease) else { return }
            if !revoked {
                switch result {
                case .scenarios(let summary):
                    var parts = Wire.resultParts(summary, leaseID: lease, budget: state.partBytes, compactTails: state.compactTails)
                    if !parts.isEmpty { parts[parts.count - 1].computeSeconds = seconds }
                    if let number = state.groupOf[lease] {
                        state.groups[number]?.parts.append(contentsOf: parts)
                    } else {
                        for part in parts {
                            var message = Tailgrid_V1_WorkerMessage()
                            message.result = part
                            state.outbound?.yield(message)
                        }
                    }
                case .stress(let batch):
                    for part in Wire.stressParts(batch, leaseID: lease, budget: state.partBytes) {
                        var message = Tailgrid_V1_WorkerMessage()
                        message.stressResult = part
                        state.outbound?.yield(message)
                    }
                case .replay(let replay):
                    for part in Wire.replayParts(replay, leaseID: lease, budget: state.partBytes) {
                        var message = Tailgrid_V1_WorkerMessage()
                        message.replayResult = part
                        state.outbound?.yield(message)
                    }
                }
            }
            // Before the stream may close: its group's results go out first.
            state.close(lease)
            if state.draining && state.active.isEmpty { state.outbound?.finish() }
        }
    }
}

/// Leases that came in one message, and the chunk results kept until all are done.
struct LeaseGroup {
    var open: Set<UInt64>
    var parts: [Tailgrid_V1_ChunkResultPart] = []
}
