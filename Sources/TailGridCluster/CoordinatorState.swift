import Foundation
import Logging
import TailGridEngine
import TailGridJob
import TailGridJournal
import TailGridNumerics
import TailGridProtocol

/// Everything a coordinator knows, guarded by the coordinator's mutex. Transitions are
/// methods in the extensions, one file per concern (jobs, workers, results, audits,
/// scheduling, status); messages to workers and clients are yielded to their streams
/// under the lock, which never blocks.
///
/// Nothing a peer sends is trusted: summaries are checked before they are merged, a
/// sample is recomputed elsewhere (audits), and workers that misbehave are quarantined.
struct CoordinatorState {
    typealias Outbound = AsyncStream<Tailgrid_V1_CoordinatorMessage>.Continuation
    typealias StatusStream = AsyncStream<Tailgrid_V1_JobStatus>.Continuation

    enum Phase: Sendable {
        case queued
        case running
        case succeeded(ResultFiles)
        case failed(String)
        case cancelled(String)
        /// The coordinator shut down before the job ended.
        case interrupted(String)

        var isFinished: Bool {
            switch self {
            case .queued, .running: false
            case .succeeded, .failed, .cancelled, .interrupted: true
            }
        }

        var isRunning: Bool {
            if case .running = self { true } else { false }
        }
    }

    enum ChunkState {
        /// A replay unit before the merge is complete: not yet schedulable.
        case waiting
        case pending
        case running(Set<UInt64>)
        case done

        var isWaiting: Bool {
            if case .waiting = self { true } else { false }
        }

        var isPending: Bool {
            if case .pending = self { true } else { false }
        }
    }

    /// A job that explains, once its merge is complete: the tails, the bars sent with each
    /// replay, and the replays merged so far.
    struct Replay {
        let tails: [[TailLoss]]
        let bars: ReplayBars
        /// What each chunk's replay must find (`ReplayExpectation.perChunk`).
        let expectations: [ReplayExpectation]
        /// Empty sums of the replay's shape, to decode and check one from the wire.
        let shape: TailReplay
        var total: TailReplay
        var merged: Set<Int> = []
    }

    /// What a job needs while it runs; released when it ends, so a finished job costs
    /// only its result bytes.
    struct Work {
        let loaded: LoadedJob
        let plan: EnginePlan
        /// The first admission floors (`PilotFloors`); nil once they proved too high.
        var pilotFloors: [Double]?
        var merger: SummaryMerger
        /// The job's stress batches, as workers deliver them (`WorkUnits`).
        var stress: StressMerger
        /// Set when the merge of a job that explains is complete.
        var replay: Replay?
        /// Replays a resumed job found in the journal (bytes by unit), checked and merged
        /// when its merge is complete (`startReplay`).
        var journaledReplays: [Int: Data] = [:]

        var isComplete: Bool { merger.isComplete && stress.isComplete }
    }

    struct Job {
        let id: String
        let sequence: Int
        let priority: Int
        let name: String
        let inputSHA256: String
        /// Its scenario chunks, then its stress batches: `chunks`, the leases, retries and
        /// audits count both, by unit index.
        let units: WorkUnits
        let accountCount: Int
        var work: Work?
        var phase: Phase = .queued
        var chunks: [ChunkState]
        /// Chunks below this index were handed out at least once since the job (re)started.
        var nextFresh = 0
        /// Chunks back in the queue after a failure or hand-back; served before fresh ones.
        var retries: [Int] = []
        /// Chunks with at least one lease.
        var running: Set<Int> = []
        var doneChunks = 0
        var scenariosDone: UInt64 = 0
        /// Failed attempts per chunk, the workers they failed on (by name), the last error
        /// and worker.
        var attempts: [Int: Int] = [:]
        var failedOn: [Int: Set<String>] = [:]
        var lastError: [Int: String] = [:]
        var lastFailedWorker: [Int: UInt64] = [:]
        let submitted: ContinuousClock.Instant
        var started: ContinuousClock.Instant?
        var finished: ContinuousClock.Instant?
        /// The same moments on the wall clock, for status and the journal.
        let submittedAt: Date
        var startedAt: Date?
        var finishedAt: Date?
        /// Chunks merged from the journal when this coordinator resumed the job.
        var chunksResumed = 0
        /// The submission's idempotency key: a submission with the same key returns this
        /// job while it is queued, running or succeeded.
        var idempotencyKey: String?
        /// It succeeded while a client watched, and that client has not fetched the result
        /// yet: a drain waits for it (the fetch is a new call, refused once the server stops).
        var resultAwaited = false
        /// The result as a value while `resultAwaited`: the first fetch takes it
        /// (`Coordinator.resultWithDocument`), so a caller in this process need not decode
        /// result.json back; never journaled or sent.
        var awaitedDocument: ResultDocument?
        var retriedChunks = 0
        var speculativeChunks = 0
        var summaryBytes = 0
        var mergeSeconds = 0.0
        var chunkSeconds = ChunkTimes()
        /// The seconds workers report computing each scenario chunk (on a thread), which
        /// size the groups of leases (`leaseGroupSize`).
        var computeSeconds = ChunkTimes()
        /// Worker messages that carried its chunk summaries (`countResultMessage`).
        var resultMessages = 0
        var watchers: [UInt64: StatusStream] = [:]
        /// When the watchers last heard the job, and whether it was running then
        /// (`publish`); whether progress since waits for the next tick.
        var lastPublished: (at: ContinuousClock.Instant, running: Bool)?
        var statusOwed = false
        var audit = AuditBook()
        /// Names of the workers whose summaries were merged since the job (re)started: if
        /// one is quarantined, the job starts over without it.
        var deliveredBy: Set<String> = []
        /// Chunks merged since the job (re)started, by the machine that computed them.
        var chunksByMachine: [ResultDocument.Provenance: Int] = [:]
        /// Bumped when a confirmed forgery restarts the job: work of an older generation
        /// (results, recomputations) is ignored.
        var generation = 0

        var chunkPlan: ChunkPlan { units.chunks }

        /// The result bytes a finished job holds (`CoordinatorConfiguration.retainBytes`).
        var resultBytes: Int {
            if case .succeeded(let files) = phase { files.byteCount } else { 0 }
        }

        var isSchedulable: Bool {
            switch phase {
            case .queued, .running: true
            default: false
            }
        }
    }

    /// The parts of a result received so far, per lease.
    enum PartialResult {
        case summaries([AccountLossSummary])
        case stress([Double])
        /// The replay's accounts up to `filled`, decoded into its sums.
        case replay(TailReplay, filled: Int)
    }

    struct Worker {
        let id: UInt64
        let name: String
        let slots: Int
        /// What it computes with, as its hello said (for the result's computed_by).
        let machine: ResultDocument.Provenance
        let outbound: Outbound
        /// Its hello said it takes groups of leases in one message (`ChunkAssignments`).
        let takesGroups: Bool
        /// Assignments made during the current transition, sent when it ends
        /// (`sendAssignments`), grouped.
        var outgoing: [Tailgrid_V1_ChunkAssignment] = []
        var leases: Set<UInt64> = []
        var payloadsSent: Set<String> = []
        var lastHeard: ContinuousClock.Instant
        /// Result parts received so far, per lease.
        var partials: [UInt64: PartialResult] = [:]
        var partialBytes: [UInt64: Int] = [:]
        /// Handed a chunk back: it is leaving and gets no more.
        var draining = false
        /// Payloads this connection asked for again, per job (a few are a cache miss, more
        /// an offence).
        var payloadRequests: [String: Int] = [:]
        /// Per job, the first lease id after its payload was last sent again on request:
        /// earlier leases handed back for a missing payload were answered by it.
        var payloadResent: [String: UInt64] = [:]

        var label: String { "\(name)#\(id)" }
        /// Leases it can take now: its slots and `prefetch` more queued on it, in groups of
        /// `group` leases (1 for a worker that takes no groups).
        func freeSlots(prefetch: Int, group: Int) -> Int {
            draining ? 0 : (slots + prefetch) * (takesGroups ? group : 1) - leases.count
        }
        /// Whether a slot is idle (not only a prefetch place): audits and speculative
        /// copies, which are about time, go only there.
        var hasIdleSlot: Bool { !draining && leases.count < slots }
    }

    enum LeaseKind: Sendable {
        case compute
        case speculative
        /// A recomputation of a delivered chunk, compared bit for bit.
        case audit
    }

    struct Lease {
        let id: UInt64
        let worker: UInt64
        /// The worker's name: a chunk's failures count by it (a worker that reconnects is
        /// the same worker under a new id).
        let workerName: String
        let job: String
        /// The unit (`WorkUnits`): a scenario chunk or a stress batch.
        let chunk: Int
        let started: ContinuousClock.Instant
        let kind: LeaseKind
        /// The admission floors sent with the assignment: the summary is checked, and an
        /// audit recomputed, with exactly these (none for a stress batch).
        let floors: [Double]
        let generation: Int
    }

    /// A unit the coordinator recomputes itself: the referee of an audit that found a
    /// mismatch, or the audit itself when no other worker is there to do it.
    struct Recomputation: Sendable {
        let job: String
        let chunk: Int
        let unit: WorkUnits.Unit
        let generation: Int
        let plan: EnginePlan
        let floors: [Double]
        let bars: ReplayBars?
    }

    struct Event {
        let level: Logger.Level
        let text: String
        /// The job, chunk and worker it concerns, as log metadata (fields of a JSON line).
        let metadata: Logger.Metadata
    }

    let configuration: CoordinatorConfiguration
    var accepting = true
    /// Shut down: every stream was closed, and no worker or watcher may open a new one
    /// (the server's graceful shutdown waits for open calls to end).
    var closed = false
    var jobs: [String: Job] = [:]
    /// The jobs that take units (queued or running) with what orders them, entered as a
    /// job is added (`schedule`) and left as it ends: scheduling runs on every result, and
    /// filtering every retained job there (1,000 finished ones by default) copied each.
    private(set) var schedulable: [String: SchedulingKey] = [:]
    var sequence = 0
    var workers: [UInt64: Worker] = [:]
    var nextWorker: UInt64 = 1
    var leases: [UInt64: Lease] = [:]
    var nextLease: UInt64 = 1
    /// Workers with assignments in `outgoing`, so that a transition that assigned nothing
    /// (a heartbeat) sends nothing without looking at every worker.
    var assignedWorkers: Set<UInt64> = []
    var nextWatcher: UInt64 = 1
    /// Offences (malformed results, payload requests beyond a few) per worker name, and
    /// the names quarantined: refused when they connect again. Both grow with the names
    /// that misbehave, a few bytes each.
    var offences: [String: Int] = [:]
    var quarantined: Set<String> = []
    /// Events for the log and recomputations to start, drained by the coordinator after
    /// each transition, outside the lock.
    var events: [Event] = []
    var recomputations: [Recomputation] = []
    /// Whether changes are journaled (`--state`), and those of the current transition,
    /// handed to the journal by the coordinator in order.
    let journaling: Bool
    var journalEntries: [JournalEntry] = []
    /// Counters and gauges (swift-metrics; no-ops unless the process bootstrapped a backend).
    let metrics = CoordinatorMetrics()
    /// Scenarios merged since the coordinator started, for the scenarios-per-second gauge.
    var scenariosMerged: UInt64 = 0

    init(configuration: CoordinatorConfiguration, journaling: Bool = false) {
        self.configuration = configuration
        self.journaling = journaling
    }

    mutating func log(_ text: String, _ level: Logger.Level = .info, job: String? = nil, chunk: Int? = nil, worker: String? = nil) {
        var metadata: Logger.Metadata = [:]
        if let job { metadata["job"] = .string(job) }
        if let chunk { metadata["chunk"] = .stringConvertible(chunk) }
        if let worker { metadata["worker"] = .string(worker) }
        events.append(Event(level: level, text: text, metadata: metadata))
    }

    /// Runs `body` on the job in place (no copy of its merger), if the job exists.
    @discardableResult
    mutating func withJob<Result>(_ id: String, _ body: (inout Job) -> Result) -> Result? {
        // Through `values[index]`, whose accessor yields the job where it is stored;
        // `jobs[id]!` moved it into an optional and back, a copy and a destroy of the
        // job (about thirty retains and releases) for every read.
        guard let index = jobs.index(forKey: id) else { return nil }
        return body(&jobs.values[index])
    }

    /// The job a submission with `key` returns instead of a new one: queued, running or
    /// succeeded (a failed, cancelled or interrupted job is submitted anew).
    func job(withIdempotencyKey key: String) -> Job? {
        jobs.values.first { job in
            guard job.idempotencyKey == key else { return false }
            switch job.phase {
            case .queued, .running, .succeeded: return true
            case .failed, .cancelled, .interrupted: return false
            }
        }
    }

    /// Jobs queued or running.
    var unfinishedJobs: Int {
        jobs.values.count { !$0.phase.isFinished }
    }

    /// Jobs unfinished, or succeeded with a watcher's result fetch still to come: what a
    /// drain waits for.
    var drainPending: Int {
        jobs.values.count { !$0.phase.isFinished || $0.resultAwaited }
    }

    /// What orders a schedulable job: its priority, then its submission.
    struct SchedulingKey: Hashable {
        let priority: Int
        let sequence: Int
    }

    /// Job `id`, just added, takes units in its turn.
    mutating func schedule(_ id: String) {
        guard let key = withJob(id, { $0.isSchedulable ? SchedulingKey(priority: $0.priority, sequence: $0.sequence) : nil }) ?? nil
        else { return }
        schedulable[id] = key
    }

    /// Schedulable jobs, highest priority first, then in submission order: O(schedulable
    /// jobs), whatever the number of finished jobs retained, and no job is copied to be
    /// looked at. A job that ended (or was forgotten) leaves the order here.
    mutating func schedulingOrder() -> [String] {
        for id in Array(schedulable.keys) where withJob(id, { $0.isSchedulable }) != true {
            schedulable[id] = nil
        }
        return schedulable.sorted { ($0.value.priority, -$0.value.sequence) > ($1.value.priority, -$1.value.sequence) }.map(\.key)
    }
}

/// Chunk durations of a job, for the speculation threshold: the median is recomputed
/// after every eighth new sample, so the cost per chunk stays O(log n) amortised.
struct ChunkTimes {
    private var samples: [Double] = []
    private var cachedMedian = 0.0
    private var sortedCount = 0

    mutating func append(_ seconds: Double) {
        samples.append(seconds)
        if samples.count >= sortedCount + Swift.max(1, sortedCount / 8) {
            samples.sort()
            cachedMedian = samples[samples.count / 2]
            sortedCount = samples.count
        }
    }

    var median: Double { cachedMedian }
    var isEmpty: Bool { samples.isEmpty }
}

/// A job's audits: chunks chosen for recomputation, and what the audits found.
struct AuditBook {
    struct Check {
        let chunk: Int
        let deliveredBy: UInt64
        let deliveredByName: String
        let result: WorkUnitResult
        let floors: [Double]
        /// The audit lease, while a worker recomputes it.
        var lease: UInt64?
        /// A second worker's summary that disagreed, while the coordinator referees.
        var disagreement: (worker: UInt64, name: String, result: WorkUnitResult)?
        /// The coordinator is recomputing it.
        var recomputing = false
    }

    var checks: [Int: Check] = [:]
    /// Workers with at least one chunk (`replay` false) or replay (true) of this job
    /// chosen for audit: each worker's first of each is.
    var sampledWorkers: Set<SampledWorker> = []

    struct SampledWorker: Hashable {
        let worker: UInt64
        let replay: Bool
    }
    var chunksChecked = 0
    var mismatches = 0
    var quarantinedWorkers: [String] = []
}
