import TailGridEngine

/// How a coordinator schedules: leases, retries, speculation, audits, quarantine,
/// retention and limits.
public struct CoordinatorConfiguration: Sendable {
    public var limits: ClusterLimits
    /// Workers send a heartbeat this often.
    public var heartbeatInterval: Duration
    /// A worker silent for this long loses its leases.
    public var leaseTimeout: Duration
    /// Attempts per chunk before the job fails.
    public var maxAttempts: Int
    /// A chunk that failed on this many different workers (a reported failure, or the
    /// worker lost while computing it) fails its job at once: computation is a pure
    /// function of (job, range), so it would fail anywhere (a poison chunk). Workers are
    /// told apart by name: one that reconnects is the same worker.
    public var poisonWorkers: Int
    /// A chunk running longer than this multiple of the median chunk time (and at least
    /// `minimumSpeculationDelay`) is also given to an idle worker once nothing is pending.
    public var speculationFactor: Double
    public var minimumSpeculationDelay: Duration
    /// The share of delivered chunks recomputed elsewhere and compared bit for bit, on
    /// top of each worker's first chunk of each job; 0 turns audits off.
    public var auditFraction: Double
    /// Malformed results (or payload requests beyond a few) a worker name may send before
    /// it is quarantined: disconnected, refused when it returns, its chunks computed
    /// elsewhere.
    public var maxOffenses: Int
    /// Finished jobs kept (their result bytes, for status and result calls): at most this
    /// many, and none older than `retainTime`.
    public var retainJobs: Int
    public var retainTime: Duration
    /// The result bytes (result.json, accounts.csv and any explain files) finished jobs
    /// may hold in memory: beyond it the oldest are forgotten, except the newest and any
    /// whose result a watcher is about to fetch. A 20,000-account book's result is about
    /// 50 MB, so the count alone let 1,000 of them hold 50 GB.
    public var retainBytes: Int = 2 << 30
    /// How long a job that succeeded under a watcher is held for the watcher's fetch (past
    /// `retainBytes`, and with its result as a value, `Coordinator.resultWithDocument`):
    /// a watcher that never fetches (`tailgrid wait` without --out) does not pin it.
    public var resultFetchGrace: Duration = .seconds(600)
    /// Where each job's first admission floors come from: its pilot (the default), none,
    /// or given floors (used when they have one per account of the job; tests give floors
    /// that are too high, to exercise the recomputation without them).
    public var pilotFloors: PilotFloors.Source = .pilot
    /// Leases a worker holds beyond its slots: the next chunk waits on the worker while
    /// one computes, and starts the moment it ends instead of a round trip later (the
    /// worker computes at most `slots` at once). 0 turns prefetch off; more than 1,024 is
    /// taken as 1,024 (as a worker's slots are).
    public var prefetch: Int = 2
    /// A running job's watchers hear its progress at most this often; a change of state
    /// (running, then finished) reaches them at once, and progress held back goes out
    /// with the coordinator's next timer tick at the latest. A job of thousands of short
    /// chunks otherwise sent every watcher a status per lease and per result, and on the
    /// 10M-scenario job of 2,442 chunks that was a fifth of the coordinator's CPU.
    public var statusInterval: Duration = .milliseconds(100)
    /// A worker that takes groups of leases gets enough of a job's chunks in one message
    /// for this much of a thread's time (by the compute times workers report), at most
    /// `maxLeaseGroup`, and answers them in one message. On the 10M-scenario job (chunks
    /// of about a millisecond) a message per chunk each way cost the coordinator more than
    /// its merge. 0 (or a group of 1) sends one lease per message.
    public var leaseGroupSeconds: Duration = .milliseconds(25)
    public var maxLeaseGroup: Int = 64

    public init(limits: ClusterLimits = ClusterLimits(), heartbeatInterval: Duration = .seconds(1),
                leaseTimeout: Duration = .seconds(10), maxAttempts: Int = 3, poisonWorkers: Int = 2,
                speculationFactor: Double = 2, minimumSpeculationDelay: Duration = .seconds(1),
                auditFraction: Double = 0.02, maxOffenses: Int = 3, retainJobs: Int = 1000,
                retainTime: Duration = .seconds(24 * 3600)) {
        self.limits = limits
        self.heartbeatInterval = heartbeatInterval
        self.leaseTimeout = leaseTimeout
        self.maxAttempts = maxAttempts
        self.poisonWorkers = poisonWorkers
        self.speculationFactor = speculationFactor
        self.minimumSpeculationDelay = minimumSpeculationDelay
        self.auditFraction = auditFraction
        self.maxOffenses = maxOffenses
        self.retainJobs = retainJobs
        self.retainTime = retainTime
    }
}
