import Foundation
import Logging
import Synchronization
import TailGridEngine
import TailGridJob
import TailGridJournal
import TailGridNumerics
import TailGridProtocol

/// The scheduler of a cluster: a queue of jobs, each split into chunks that are leased to
/// workers, retried when a worker is lost, copied speculatively when slow, audited by
/// recomputation, and merged exactly as their summaries arrive. The gRPC services are
/// thin fronts over it; tests and `tailgrid run --workers` also call it directly.
public final class Coordinator: Sendable {
    public let configuration: CoordinatorConfiguration
    let logger: Logger
    let state: Mutex<CoordinatorState>
    /// Where jobs, chunk summaries and results are kept across restarts (`--state`); nil
    /// keeps everything in memory.
    public let journal: Journal?
    /// The journal's first write failure: from then on no job is accepted.
    let journalFailure = Mutex<String?>(nil)

    /// A coordinator; with a journal, call `resume()` before serving, so the journal's
    /// jobs come back.
    public init(configuration: CoordinatorConfiguration = CoordinatorConfiguration(),
                logger: Logger = Logger(label: "tailgrid.coordinator"), journal: Journal? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.journal = journal
        self.state = Mutex(CoordinatorState(configuration: configuration, journaling: journal != nil))
        // The coordinator computes too (plans' pilot tiles, audit recomputations): with
        // single-threaded OpenBLAS, as workers do, so its bits are theirs.
        BLAS.setThreadCount(1)
    }

    /// Runs a transition, then (outside the lock) writes what it journaled, logs the events
    /// it recorded and starts the recomputations it asked for. The journal's entries are
    /// queued under the lock, so they reach the disk in the order the transitions ran.
    func transition<Result>(_ body: (inout CoordinatorState, ContinuousClock.Instant) throws(ClusterError) -> Result) throws(ClusterError) -> Result {
        let now = ContinuousClock.now
        let (result, events, recomputations, journaled) = try state.withLock { state throws(ClusterError) in
            // Whatever the transition assigned goes out when it ends, grouped per worker.
            defer { state.sendAssignments() }
            let result = try body(&state, now)
            let journaled = !state.journalEntries.isEmpty
            defer {
                state.events.removeAll()
                state.recomputations.removeAll()
                state.journalEntries.removeAll()
            }
            if journaled { journal?.append(state.journalEntries) }
            return (result, state.events, state.recomputations, journaled)
        }
        if journaled { flushJournal() }
        for event in events { logger.log(level: event.level, "\(event.text)", metadata: event.metadata.isEmpty ? nil : event.metadata) }
        for recomputation in recomputations { recompute(recomputation) }
        return result
    }

    /// Computes an audited unit on this machine, off the cooperative pool.
    func recompute(_ work: CoordinatorState.Recomputation) {
        Blocking.detach { [self] in
            let result: WorkUnitResult
            do throws(EngineError) {
                result = try work.plan.compute(work.unit, floors: work.floors, bars: work.bars)
            } catch {
                try? transition { state, now in
                    guard state.jobs[work.job]?.generation == work.generation else { return }
                    state.fail(job: work.job, reason: "the coordinator could not recompute an audited unit: \(error.message)", now: now)
                }
                return
            }
            try? transition { state, now in
                state.recomputed(job: work.job, chunk: work.chunk, generation: work.generation, result: result, now: now)
            }
        }
    }

    // MARK: Jobs

    /// Checks an idempotency key: at most 256 printable ASCII characters.
    public static func checkIdempotencyKey(_ key: String) throws(ClusterError) {
        guard key.utf8.count <= 256, key.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw ClusterError(.invalidJob, "an idempotency key is at most 256 printable ASCII characters")
        }
    }

    /// The status of the job a submission with `key` would return (queued, running or
    /// succeeded with that key), if there is one: checked before a job is parsed.
    public func status(ofIdempotencyKey key: String) -> Tailgrid_V1_JobStatus? {
        try? transition { state, now in
            state.job(withIdempotencyKey: key).flatMap { state.status(of: $0.id, now: now) }
        }
    }

    /// Checks a job against the limits, builds its plan and queues it. Builds the plan on
    /// the calling thread: call it off the cooperative pool (the services do). With a
    /// non-empty `idempotencyKey` that a queued, running or succeeded job has, that job's
    /// status is returned and nothing is queued.
    /// With `explain`, every account's ES is explained too (a replay per chunk once the
    /// merge is complete; explain.json and contributions.csv with the result).
    public func submit(_ loaded: LoadedJob, priority: Int = 0, idempotencyKey: String = "",
                       explain: Bool = false) throws(ClusterError) -> Tailgrid_V1_JobStatus {
        try Self.checkIdempotencyKey(idempotencyKey)
        let key = idempotencyKey.isEmpty ? nil : idempotencyKey
        if let key, let existing = status(ofIdempotencyKey: key) { return existing }
        let job = loaded.engineJob
        let limits = configuration.limits
        let instruments = Set(job.accounts.flatMap { $0.positions.map(\.instrument.name) }).count
        for (what, value, limit) in [("scenarios", job.scenarios, limits.maxScenarios), ("accounts", job.accounts.count, limits.maxAccounts),
                                     ("instruments", instruments, limits.maxInstruments),
                                     ("bytes of job file", loaded.jobBytes.count, limits.maxJobBytes),
                                     ("bytes of positions file", loaded.positionsBytes?.count ?? 0, limits.maxPositionsBytes)]
        where value > limit {
            throw ClusterError(.tooLarge, "job '\(job.name)' has \(value) \(what); this coordinator accepts at most \(limit)")
        }
        if job.chunkSize < limits.minChunkSize && job.scenarios > job.chunkSize {
            throw ClusterError(.invalidJob, "chunk_size \(job.chunkSize) is below the cluster's minimum of \(limits.minChunkSize)",
                               jobError: JobError(.data, file: loaded.path, field: "chunk_size",
                                                  "\(job.chunkSize) is below the cluster's minimum chunk size of \(limits.minChunkSize) scenarios (each chunk costs a round trip and a merge); use at least \(limits.minChunkSize), or run it with --workers 0"))
        }
        // One account's part of a chunk summary travels in one message: its tail (at most
        // min(tail length, chunk size) entries of at most 24 bytes) must fit.
        let confidences = job.confidences + (job.dependence.map { [$0.confidence] } ?? [])
        let tailEntries = Swift.min(TailEstimate.requiredTailLength(scenarios: job.scenarios, confidences: confidences), job.chunkSize)
        if 24 * tailEntries + 4096 > limits.maxMessageBytes / 2 {
            throw ClusterError(.invalidJob, "chunk_size \(job.chunkSize) makes one account's tail \(tailEntries) entries, more than one message holds",
                               jobError: JobError(.data, file: loaded.path, field: "chunk_size",
                                                  "\(job.chunkSize) scenarios per chunk at these confidence levels make one account's tail of \(tailEntries) losses, more than a message of this cluster holds; use a chunk_size of at most \((limits.maxMessageBytes / 2 - 4096) / 24)"))
        }
        // A replay assignment carries each account's two bars (about 24 bytes each).
        if explain && 24 * job.accounts.count + 4096 > limits.maxMessageBytes / 2 {
            throw ClusterError(.tooLarge, "job '\(job.name)' has \(job.accounts.count) accounts to explain; a replay's bars for that many exceed this coordinator's messages (at most \((limits.maxMessageBytes / 2 - 4096) / 24) accounts); explain them in process (tailgrid explain)")
        }
        let plan: EnginePlan
        do {
            plan = try EnginePlan(job)
        } catch {
            throw ClusterError(.invalidJob, error.message, jobError: JobError(.data, file: loaded.path, error.message))
        }
        // The pilot is evaluated here, outside the state's lock, like the plan; the stress
        // scenarios go to the workers in batches, like the chunks. No lease of the job can
        // go out before its floors, so the job's workers wait for the pilot: it takes
        // every core of this host (as a local run's does), not one.
        let pilotFloors = configuration.pilotFloors.floors(for: plan, threads: ProcessInfo.processInfo.activeProcessorCount)
        let id = "job-" + UUID().uuidString.prefix(13).lowercased().replacingOccurrences(of: "-", with: "")
        let status = try transition { state, now throws(ClusterError) in
            guard state.accepting else { throw ClusterError(.unavailable, "the coordinator is shutting down and accepts no jobs") }
            // The same key submitted twice at once: the first one queued wins.
            if let key, let existing = state.job(withIdempotencyKey: key), let status = state.status(of: existing.id, now: now) {
                return status
            }
            state.add(loaded, plan: plan, pilotFloors: pilotFloors, explain: explain, priority: priority, id: id, idempotencyKey: key, now: now)
            guard let status = state.status(of: id, now: now) else { throw ClusterError(.notFound, "job \(id) ended at once") }
            return status
        }
        // Accepted means journaled: a job the journal could not keep is not accepted.
        if status.jobID == id, let failure = journalFailure.withLock({ $0 }) {
            try? transition { state, now in state.cancel(job: id, reason: "the journal could not keep it", now: now) }
            throw ClusterError(.unavailable, "the coordinator cannot keep new jobs: \(failure)")
        }
        return status
    }

    /// Writes the journal's queued entries. A failed write stops this coordinator from
    /// accepting jobs (running ones go on in memory) and is logged once, as critical.
    func flushJournal() {
        guard let journal else { return }
        do throws(JournalError) {
            try journal.flush()
        } catch {
            let first = journalFailure.withLock { failure in
                defer { failure = failure ?? error.message }
                return failure == nil
            }
            guard first else { return }
            logger.critical("\(error.message); this coordinator accepts no more jobs, and those running finish in memory only")
            state.withLock { $0.accepting = false }
        }
    }

    public func status(job id: String) throws(ClusterError) -> Tailgrid_V1_JobStatus {
        try transition { state, now throws(ClusterError) in
            guard let status = state.status(of: id, now: now) else { throw ClusterError(.notFound, "no job '\(Wire.shown(id))'") }
            return status
        }
    }

    /// The statuses of the jobs this coordinator knows, newest submission first, only
    /// those in `states` when it is not empty; at most `limit` (1...10,000) and about
    /// `maxListBytes` on the wire (below any client's 4 MiB message limit, however long
    /// the names), and whether more matched.
    public func listJobs(states: Set<Tailgrid_V1_JobStatus.State>, limit: Int) -> (jobs: [Tailgrid_V1_JobStatus], truncated: Bool) {
        let limit = min(max(limit, 1), Self.maxListedJobs)
        let now = ContinuousClock.now
        return state.withLock { state in
            let ids = state.jobs.values.sorted { $0.sequence > $1.sequence }.map(\.id)
            var listed: [Tailgrid_V1_JobStatus] = []
            var bytes = 0
            for id in ids {
                guard let status = state.status(of: id, now: now), states.isEmpty || states.contains(status.state) else { continue }
                let size = (try? status.serializedBytes() as [UInt8])?.count ?? 0
                guard listed.count < limit, bytes + size <= Self.maxListBytes else { return (listed, true) }
                bytes += size + 5
                listed.append(status)
            }
            return (listed, false)
        }
    }

    /// The most bytes of statuses one list call returns.
    static let maxListBytes = 2 << 20

    /// The most jobs one list call returns (about 300 bytes each on the wire).
    public static let maxListedJobs = 10_000

    /// The job's status now and on every change, ending when the job ends. Dropping the
    /// stream does not affect the job, and removes the watcher.
    public func watch(job id: String) throws(ClusterError) -> JobWatch {
        let (stream, continuation) = AsyncStream<Tailgrid_V1_JobStatus>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let watcher: UInt64 = try transition { state, now throws(ClusterError) in
            guard let status = state.status(of: id, now: now), let job = state.jobs[id] else {
                throw ClusterError(.notFound, "no job '\(Wire.shown(id))'")
            }
            continuation.yield(status)
            // After shutdown a watcher gets the status and the end of the stream, as the
            // watchers open then did (the client reconnects to the successor).
            if state.closed {
                continuation.finish()
                return 0
            }
            if job.phase.isFinished {
                continuation.finish()
                return 0
            }
            let watcher = state.nextWatcher
            state.nextWatcher += 1
            state.jobs[id]?.watchers[watcher] = continuation
            return watcher
        }
        // finish() runs this synchronously, possibly under the lock: remove the watcher later.
        continuation.onTermination = { [weak self] _ in
            guard watcher != 0 else { return }
            Task { self?.state.withLock { state in _ = state.jobs[id]?.watchers.removeValue(forKey: watcher) } }
        }
        return JobWatch(statuses: stream, continuation: continuation)
    }

    /// Watchers registered on all jobs (for tests of memory bounds).
    public var watcherCount: Int {
        state.withLock { $0.jobs.values.reduce(0) { $0 + $1.watchers.count } }
    }

    /// Jobs held in memory, finished ones included.
    public var jobCount: Int {
        state.withLock { $0.jobs.count }
    }

    /// The result files of a job that succeeded.
    public func result(job id: String) throws(ClusterError) -> ResultFiles {
        try resultWithDocument(job: id).files
    }

    /// A succeeded job's result files and, at the first fetch after it succeeded under a
    /// watcher, the result itself: result.json as a value, so a caller in this process
    /// (`tailgrid run --workers N`) need not decode it back. The coordinator keeps it only
    /// until that fetch.
    public func resultWithDocument(job id: String) throws(ClusterError) -> (files: ResultFiles, document: ResultDocument?) {
        try transition { state, _ throws(ClusterError) in
            guard let job = state.jobs[id] else { throw ClusterError(.notFound, "no job '\(Wire.shown(id))'") }
            switch job.phase {
            case .succeeded(let files):
                state.jobs[id]?.resultAwaited = false
                state.jobs[id]?.awaitedDocument = nil
                return (files, job.awaitedDocument)
            case .failed(let reason): throw ClusterError(.jobFailed, "job \(id) failed: \(reason)")
            case .cancelled(let reason): throw ClusterError(.cancelled, "job \(id) was cancelled: \(reason)")
            case .interrupted(let reason): throw ClusterError(.interrupted, "job \(id) was interrupted: \(reason)")
            case .queued, .running: throw ClusterError(.noResult, "job \(id) has not finished")
            }
        }
    }

    public func cancel(job id: String) throws(ClusterError) -> Tailgrid_V1_JobStatus {
        try transition { state, now throws(ClusterError) in
            guard state.jobs[id] != nil else { throw ClusterError(.notFound, "no job '\(Wire.shown(id))'") }
            state.cancel(job: id, reason: "cancelled by a client", now: now)
            guard let status = state.status(of: id, now: now) else { throw ClusterError(.notFound, "no job '\(Wire.shown(id))'") }
            return status
        }
    }

    /// Fails an unfinished job with `reason`, as when the workers it depends on are gone.
    public func fail(job id: String, reason: String) throws(ClusterError) {
        try transition { state, now throws(ClusterError) in
            guard state.jobs[id] != nil else { throw ClusterError(.notFound, "no job '\(Wire.shown(id))'") }
            state.fail(job: id, reason: reason, now: now)
        }
    }

    /// Stops accepting jobs (a drain's first step; running and queued jobs go on).
    public func stopAccepting() {
        try? transition { state, _ in
            if state.accepting { state.log("draining: no new jobs; \(state.unfinishedJobs) unfinished") }
            state.accepting = false
        }
    }

    /// Jobs queued or running.
    public var unfinishedJobs: Int {
        state.withLock { $0.unfinishedJobs }
    }

    /// Jobs a shutdown interrupted (none with a journal: they resume instead).
    public var interruptedJobs: Int {
        state.withLock { state in
            state.jobs.values.count { job in
                if case .interrupted = job.phase { true } else { false }
            }
        }
    }

    /// Waits until no job is queued or running and every client that watched a job to
    /// its success has fetched the result, or until `limit` has passed; true if nothing
    /// is left.
    public func drain(upTo limit: Duration) async -> Bool {
        stopAccepting()
        let deadline = ContinuousClock.now + limit
        while state.withLock({ $0.drainPending }) > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return unfinishedJobs == 0
    }

    /// Shutdown: no new jobs, every worker stream and watcher closed so that the server's
    /// open calls end. Without a journal, unfinished jobs are interrupted (their watchers
    /// hear it); with one they stay in it and resume when a coordinator opens it again.
    /// Returns the number of unfinished jobs.
    @discardableResult
    public func shutdown() -> Int {
        let unfinished = (try? transition { state, now in
            state.accepting = false
            state.closed = true
            let unfinished = state.unfinishedJobs
            if state.journaling {
                for id in state.jobs.keys { state.revokeLeases(ofJob: id) }
                if unfinished > 0 { state.log("shutting down: \(unfinished) unfinished jobs stay in the journal and resume on restart") }
            } else {
                state.interruptAll(now: now)
            }
            for worker in state.workers.values { worker.outbound.finish() }
            for job in state.jobs.values { for watcher in job.watchers.values { watcher.finish() } }
            state.log("shutting down: \(state.workers.count) workers released")
            return unfinished
        }) ?? 0
        if let statistics = journal?.statistics, statistics.transactions > 0 {
            logger.info("journal: \(statistics.transactions) transactions, \(statistics.chunks) chunk summaries of \(statistics.chunkBytes) bytes, \(String(format: "%.3f", statistics.seconds)) s writing")
        }
        return unfinished
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

    /// Worker names refused from now on.
    public var quarantinedWorkers: Set<String> {
        state.withLock { $0.quarantined }
    }

    // MARK: Workers

    /// A worker joined; `outbound` carries what the coordinator sends it. Throws `.refused`
    /// when the worker's name is quarantined, `.unavailable` after shutdown.
    func register(name: String, slots: Int, machine: ResultDocument.Provenance,
                  outbound: AsyncStream<Tailgrid_V1_CoordinatorMessage>.Continuation, takesGroups: Bool = false) throws(ClusterError) -> UInt64 {
        try transition { state, now throws(ClusterError) in
            try state.register(name: name, slots: slots, machine: machine, outbound: outbound, takesGroups: takesGroups, now: now)
        }
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
                state.countResultMessage([part], from: worker)
                state.receive(part, bytes: bytes, from: worker, now: now)
            case .results(let group):
                state.receive(group, bytes: bytes, from: worker, now: now)
            case .stressResult(let part):
                state.receive(part, bytes: bytes, from: worker, now: now)
            case .replayResult(let part):
                state.receive(part, bytes: bytes, from: worker, now: now)
            case .failure(let failure):
                if failure.returned || failure.payloadMissing {
                    state.handBack(lease: failure.leaseID, from: worker, payloadMissing: failure.payloadMissing,
                                   message: failure.message, now: now)
                } else {
                    guard state.leases[failure.leaseID]?.worker == worker else { return }
                    state.failLease(failure.leaseID, reason: "worker reported: \(Wire.shown(failure.message, limit: 500))",
                                    cause: .workerReport, now: now)
                    state.dispatch(now: now)
                }
            case .heartbeat(let beat):
                if beat.draining { state.markDraining(worker: worker) }
            case .hello:
                throw ClusterError(.protocolViolation, "hello sent twice")
            case nil:
                throw ClusterError(.protocolViolation, "empty worker message")
            }
        }
    }

    /// Expires leases of silent workers, hands out speculative copies and audits, and
    /// forgets old finished jobs; runs until cancelled.
    public func runTimers() async {
        let period = min(configuration.heartbeatInterval, .milliseconds(500))
        var merged: (scenarios: UInt64, at: ContinuousClock.Instant) = (0, .now)
        while !Task.isCancelled {
            try? await Task.sleep(for: period)
            merged = (try? transition { state, now in
                state.expireLeases(now: now)
                state.dispatch(now: now)
                // Only a schedulable job can end here; the finished ones retained are not read.
                for id in state.schedulingOrder() { state.finishIfDone(job: id, now: now) }
                state.publishOwed(now: now)
                state.evictFinished(now: now)
                let seconds = (now - merged.at).seconds
                state.metrics.update(from: state, scenariosPerSecond: seconds > 0 ? Double(state.scenariosMerged - merged.scenarios) / seconds : 0)
                return (state.scenariosMerged, now)
            }) ?? merged
        }
    }
}
