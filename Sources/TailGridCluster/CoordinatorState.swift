import Foundation
import TailGridEngine
import TailGridJob
import TailGridProtocol

/// Everything a coordinator knows, guarded by the coordinator's mutex. Transitions are
/// methods here (see CoordinatorState+Transitions.swift); messages to workers and
/// clients are yielded to their streams under the lock, which never blocks.
struct CoordinatorState {
    typealias Outbound = AsyncStream<Tailgrid_V1_CoordinatorMessage>.Continuation
    typealias StatusStream = AsyncStream<Tailgrid_V1_JobStatus>.Continuation

    enum Phase: Sendable {
        case queued
        case running
        case succeeded(json: Data, csv: Data)
        case failed(String)
        case cancelled(String)

        var isFinished: Bool {
            switch self {
            case .queued, .running: false
            case .succeeded, .failed, .cancelled: true
            }
        }
    }

    enum ChunkState {
        case pending
        case running(Set<UInt64>)
        case done
    }

    struct Job {
        let id: String
        let sequence: Int
        let priority: Int
        let loaded: LoadedJob
        let plan: EnginePlan
        var merger: SummaryMerger
        var phase: Phase = .queued
        var chunks: [ChunkState]
        /// Chunks waiting for a worker, retried ones first.
        var pending: [Int]
        var failures: [Int]
        var lastError: [String?]
        let submitted: ContinuousClock.Instant
        var started: ContinuousClock.Instant?
        var finished: ContinuousClock.Instant?
        var retriedChunks = 0
        var speculativeChunks = 0
        var summaryBytes = 0
        var mergeSeconds = 0.0
        var chunkSeconds: [Double] = []
        var watchers: [UInt64: StatusStream] = [:]

        var isSchedulable: Bool {
            switch phase {
            case .queued, .running: true
            default: false
            }
        }
    }

    struct Worker {
        let id: UInt64
        let name: String
        let slots: Int
        let outbound: Outbound
        var leases: Set<UInt64> = []
        var payloadsSent: Set<String> = []
        var lastHeard: ContinuousClock.Instant
        /// Result parts received so far, per lease.
        var partials: [UInt64: [AccountLossSummary]] = [:]
        var partialBytes: [UInt64: Int] = [:]
    }

    struct Lease {
        let id: UInt64
        let worker: UInt64
        let job: String
        let chunk: Int
        let started: ContinuousClock.Instant
        let speculative: Bool
    }

    let configuration: CoordinatorConfiguration
    var accepting = true
    var jobs: [String: Job] = [:]
    var sequence = 0
    var workers: [UInt64: Worker] = [:]
    var nextWorker: UInt64 = 1
    var leases: [UInt64: Lease] = [:]
    var nextLease: UInt64 = 1
    var nextWatcher: UInt64 = 1
    /// Events for the log, drained by the coordinator after each transition.
    var events: [String] = []

    init(configuration: CoordinatorConfiguration) {
        self.configuration = configuration
    }

    /// Schedulable jobs, highest priority first, then in submission order.
    var schedulingOrder: [String] {
        jobs.values.filter(\.isSchedulable)
            .sorted { ($0.priority, -$0.sequence) > ($1.priority, -$1.sequence) }
            .map(\.id)
    }
}
