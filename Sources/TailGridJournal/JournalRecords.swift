import Foundation

/// A job as the journal holds it: what a coordinator needs to plan it again (the
/// submitted bytes), to answer status calls, and, once finished, its outcome.
public struct JournaledJob: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Queued or running: resumed when a coordinator opens the journal.
        case active
        case succeeded
        case failed
        case cancelled
    }

    public var id: String
    public var sequence: Int
    public var priority: Int
    public var name: String
    /// The job file's name as submitted.
    public var path: String
    public var inputSHA256: String
    /// The engine that accepted it: chunks are resumed only by the same engine (another
    /// one computes every chunk again, so results never mix engines).
    public var engineVersion: String
    /// The submitted job file, positions file and inputs (key, bytes); emptied once the
    /// job has finished.
    public var jobYAML: Data
    public var positionsCSV: Data?
    public var inputs: [Input]
    /// The first admission floors the job's chunks were computed with; nil for none.
    public var pilotFloors: [Double]?
    public var scenarios: Int
    public var chunkSize: Int
    public var accountCount: Int
    public var submittedAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var state: State
    /// Why it failed or was cancelled.
    public var reason: String?
    public var resultJSON: Data?
    public var resultCSV: Data?
    public var auditedChunks: Int
    public var auditMismatches: Int
    /// The submission's idempotency key, if any.
    public var idempotencyKey: String?
    /// Whether the job explains every account's ES, and once it succeeded its
    /// explain.json and contributions.csv.
    public var explain: Bool
    public var explainJSON: Data?
    public var contributionsCSV: Data?
    /// The job's variant (`JobVariant`): a backtest day and a scenario count it was
    /// submitted with, nil for none.
    public var backtestDay: Int?
    public var variantScenarios: Int?

    public struct Input: Sendable, Equatable {
        public var key: String
        public var bytes: Data

        public init(key: String, bytes: Data) {
            self.key = key
            self.bytes = bytes
        }
    }

    public init(id: String, sequence: Int, priority: Int, name: String, path: String, inputSHA256: String,
                engineVersion: String, jobYAML: Data, positionsCSV: Data?, inputs: [Input], pilotFloors: [Double]?,
                scenarios: Int, chunkSize: Int, accountCount: Int, submittedAt: Date, startedAt: Date? = nil,
                finishedAt: Date? = nil, state: State = .active, reason: String? = nil, resultJSON: Data? = nil,
                resultCSV: Data? = nil, auditedChunks: Int = 0, auditMismatches: Int = 0, idempotencyKey: String? = nil,
                explain: Bool = false, explainJSON: Data? = nil, contributionsCSV: Data? = nil, backtestDay: Int? = nil,
                variantScenarios: Int? = nil) {
        self.id = id
        self.sequence = sequence
        self.priority = priority
        self.name = name
        self.path = path
        self.inputSHA256 = inputSHA256
        self.engineVersion = engineVersion
        self.jobYAML = jobYAML
        self.positionsCSV = positionsCSV
        self.inputs = inputs
        self.pilotFloors = pilotFloors
        self.scenarios = scenarios
        self.chunkSize = chunkSize
        self.accountCount = accountCount
        self.submittedAt = submittedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.state = state
        self.reason = reason
        self.resultJSON = resultJSON
        self.resultCSV = resultCSV
        self.auditedChunks = auditedChunks
        self.auditMismatches = auditMismatches
        self.idempotencyKey = idempotencyKey
        self.explain = explain
        self.explainJSON = explainJSON
        self.contributionsCSV = contributionsCSV
        self.backtestDay = backtestDay
        self.variantScenarios = variantScenarios
    }
}

/// One accepted chunk summary of an active job, in the cluster's wire encoding.
public struct JournaledChunk: Sendable, Equatable {
    public var job: String
    public var index: Int
    public var summary: Data

    public init(job: String, index: Int, summary: Data) {
        self.job = job
        self.index = index
        self.summary = summary
    }
}

/// A change to the journal. A coordinator records these in the order its transitions
/// made them; the journal writes them in that order, a transaction per flush.
public enum JournalEntry: Sendable {
    /// A job was accepted (before its submitter hears its id).
    case accepted(JournaledJob)
    /// Its first chunk was leased.
    case started(job: String, at: Date)
    /// A chunk summary passed every check and was merged. Its bytes are made when the
    /// entry is written, outside the lock it was recorded under.
    case chunk(job: String, index: Int, summary: @Sendable () -> Data)
    /// A chunk found damaged when resuming: it is computed again.
    case chunkDiscarded(job: String, index: Int)
    /// The job starts over (a forged summary was merged, or a pilot floor proved too
    /// high): its chunks are dropped and its first floors become `pilotFloors`.
    case restarted(job: String, pilotFloors: [Double]?)
    /// It ended: its outcome is kept, its inputs and chunks are dropped.
    /// `explanation`: explain.json and contributions.csv of a job that explained.
    case finished(job: String, state: JournaledJob.State, reason: String?, at: Date, json: Data?, csv: Data?,
                  auditedChunks: Int, auditMismatches: Int, explanation: (json: Data, csv: Data)? = nil)
    /// Retention forgot it.
    case forgotten(job: String)
    /// A worker name quarantined for good.
    case quarantined(name: String)
}
