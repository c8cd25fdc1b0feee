import Foundation
import Logging
import Synchronization
import TailGridEngine
import TailGridJob
import TailGridProtocol

/// The scheduler of a cluster: a queue of jobs, each split into chunks that are leased to
/// workers, retried when a worker is lost, copied speculatively when slow, and merged
/// exactly as their summaries arrive. The gRPC services are thin fronts over it; tests
/// and `tailgrid run --workers` also call it directly.
public final class Coordinator: Sendable {
    public let configuration: CoordinatorConfiguration
    let logger: Logger
    let state: Mutex<CoordinatorState>

    public init(configuration: CoordinatorConfiguration = CoordinatorConfiguration(),
                logger: Logger = Logger(label: "tailgrid.coordinator")) {
        self.configuration = configuration
        self.logger = logger
        self.state = Mutex(CoordinatorState(configuration: configuration))
    }

    /// Runs a transition and logs the events it recorded.
    func transition<Result>(_ body: (inout CoordinatorState, ContinuousClock.Instant) throws(ClusterError) -> Result) throws(ClusterError) -> Result {
        let now = ContinuousClock.now
        let (result, events) = try state.withLock { state throws(ClusterError) in
            let result = try body(&state, now)
            let events = state.events
            state.events.removeAll()
            return (result, events)
        }
        for event in events { logger.info("\(event)") }
        return result
    }

    // MARK: Jobs

    /// Queues a checked job. Jobs over the limits are refused before any work starts.
    public func submit(_ loaded: LoadedJob, priority: Int = 0) throws(ClusterError) -> Tailgrid_V1_JobStatus {
        let job = loaded.engineJob
        let limits = configuration.limits
        let bytes = loaded.jobBytes.count + (loaded.positionsBytes?.count ?? 0)
        let instruments = Set(job.accounts.flatMap { $0.positions.map(\.instrument.name) }).count
        for (what, value, limit) in [("scenarios", job.scenarios, limits.maxScenarios), ("accounts", job.accounts.count, limits.maxAccounts),
                                     ("instruments", instruments, limits.maxInstruments), ("bytes of job input", bytes, limits.maxJobBytes)]
        where value > limit {
            throw ClusterError(.tooLarge, "job '\(job.name)' has \(value) \(what); this coordinator accepts at most \(limit)")
        }
        let plan: EnginePlan
        do {
            plan = try EnginePlan(job)
        } catch {
            throw ClusterError(.invalidJob, error.message, jobError: JobError(.data, file: loaded.path, error.message))
        }
        let id = "job-" + UUID().uuidString.prefix(13).lowercased().replacingOccurrences(of: "-", with: "")
        return try transition { state, now throws(ClusterError) in
            guard state.accepting else { throw ClusterError(.unavailable, "the coordinator is shutting down and accepts no jobs") }
            state.add(loaded, plan: plan, priority: priority, id: id, now: now)
            return state.status(of: id, now: now)!
        }
    }

    public func status(job id: String) throws(ClusterError) -> Tailgrid_V1_JobStatus {
        try transition { state, now throws(ClusterError) in
            guard let status = state.status(of: id, now: now) else { throw ClusterError(.notFound, "no job '\(id)'") }
            return status
        }
    }

    /// The job's status now and on every change, ending when the job ends. Dropping the
    /// stream does not affect the job.
    public func watch(job id: String) throws(ClusterError) -> AsyncStream<Tailgrid_V1_JobStatus> {
        let (stream, continuation) = AsyncStream<Tailgrid_V1_JobStatus>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let watcher: UInt64 = try transition { state, now throws(ClusterError) in
            guard let status = state.status(of: id, now: now), let job = state.jobs[id] else {
                throw ClusterError(.notFound, "no job '\(id)'")
            }
            continuation.yield(status)
            if job.phase.isFinished {
                continuation.finish()
                return 0
            }
            let watcher = state.nextWatcher
            state.nextWatcher += 1
            state.jobs[id]!.watchers[watcher] = continuation
            return watcher
        }
        // finish() runs this synchronously, possibly under the lock: remove the watcher later.
        continuation.onTermination = { [weak self] _ in
            Task { self?.state.withLock { state in _ = state.jobs[id]?.watchers.removeValue(forKey: watcher) } }
        }
        return stream
    }

    /// result.json and accounts.csv of a job that succeeded.
    public func result(job id: String) throws(ClusterError) -> (json: Data, csv: Data) {
        try transition { state, _ throws(ClusterError) in
            guard let job = state.jobs[id] else { throw ClusterError(.notFound, "no job '\(id)'") }
            switch job.phase {
            case .succeeded(let json, let csv): return (json, csv)
            case .failed(let reason): throw ClusterError(.jobFailed, "job \(id) failed: \(reason)")
            case .cancelled(let reason): throw ClusterError(.jobFailed, "job \(id) was cancelled: \(reason)")
            case .queued, .running: throw ClusterError(.noResult, "job \(id) has not finished")
            }
        }
    }

    public func cancel(job id: String) throws(ClusterError) -> Tailgrid_V1_JobStatus {
        try transition { state, now throws(ClusterError) in
            guard state.jobs[id] != nil else { throw ClusterError(.notFound, "no job '\(id)'") }
            state.cancel(job: id, reason: "cancelled by a client", now: now)
            return state.status(of: id, now: now)!
        }
    }

    /// Graceful shutdown: no new jobs, and every worker and watcher stream is closed so
    /// that the server's open calls end.
    public func shutdown() {
        try? transition { state, _ in
            state.accepting = false
            for worker in state.workers.values { worker.outbound.finish() }
            for job in state.jobs.values { for watcher in job.watchers.values { watcher.finish() } }
            state.events.append("shutting down: \(state.workers.count) workers released")
        }
    }

    public var liveWorkers: Int {
        state.withLock { $0.workers.count }
    }

    /// Chunk leases held by workers now.
    public var activeLeases: Int {
        state.withLock { $0.leases.count }
    }

    /// When the job's first chunk was leased; nil while it waits.
    public func startTime(of job: String) -> ContinuousClock.Instant? {
        state.withLock { $0.jobs[job]?.started }
    }

    // MARK: Workers

    /// A worker joined; `outbound` carries what the coordinator sends it.
    func register(name: String, slots: Int, outbound: AsyncStream<Tailgrid_V1_CoordinatorMessage>.Continuation) -> UInt64 {
        try! transition { state, now in state.register(name: name, slots: slots, outbound: outbound, now: now) }
    }

    func unregister(worker: UInt64, reason: String) {
        try? transition { state, now in state.unregister(worker: worker, reason: reason, now: now) }
    }

    /// A message from a worker (anything but its hello).
    func receive(_ message: Tailgrid_V1_WorkerMessage, bytes: Int, from worker: UInt64) throws(ClusterError) {
        try transition { state, now throws(ClusterError) in
            state.heard(from: worker, now: now)
            switch message.kind {
            case .result(let part):
                state.receive(part, bytes: bytes, from: worker, now: now)
            case .failure(let failure):
                state.failLease(failure.leaseID, reason: failure.returned ? failure.message : "worker reported: \(failure.message)",
                                counts: !failure.returned, now: now)
                state.dispatch(now: now)
            case .heartbeat:
                break
            case .hello:
                throw ClusterError(.protocolViolation, "hello sent twice")
            case nil:
                throw ClusterError(.protocolViolation, "empty worker message")
            }
        }
    }

    /// Expires leases of silent workers and hands out speculative copies; runs until
    /// cancelled.
    public func runTimers() async {
        let period = min(configuration.heartbeatInterval, .milliseconds(500))
        while !Task.isCancelled {
            try? await Task.sleep(for: period)
            try? transition { state, now in state.expireLeases(now: now) }
        }
    }
}
