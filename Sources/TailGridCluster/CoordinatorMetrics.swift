import CoreMetrics

/// The coordinator's metrics through swift-metrics (whatever backend the process
/// bootstrapped; `tailgrid coordinator --metrics-listen` serves them to Prometheus).
/// Counters are bumped by the transitions that count; gauges are set from the state on
/// every timer tick (at most every 500 ms).
struct CoordinatorMetrics: Sendable {
    /// Merged chunks and their scenarios; summary bytes received; seconds merging.
    let chunksDone = Counter(label: "tailgrid_chunks_done_total")
    let scenariosDone = Counter(label: "tailgrid_scenarios_done_total")
    let summaryBytes = Counter(label: "tailgrid_summary_bytes_received_total")
    let mergeSeconds = FloatingPointCounter(label: "tailgrid_merge_seconds_total")
    /// Leases that ended without a result, by cause; speculative copies; audits.
    let chunkFailures: [String: Counter]
    let speculativeChunks = Counter(label: "tailgrid_chunks_speculative_total")
    let auditedChunks = Counter(label: "tailgrid_chunks_audited_total")
    let auditMismatches = Counter(label: "tailgrid_audit_mismatches_total")
    /// Jobs by state now; live and quarantined workers; chunks waiting for a worker.
    let jobs: [String: Gauge]
    let liveWorkers = Gauge(label: "tailgrid_workers_live")
    let quarantinedWorkers = Gauge(label: "tailgrid_workers_quarantined")
    let pendingChunks = Gauge(label: "tailgrid_chunks_pending")
    let scenariosPerSecond = Gauge(label: "tailgrid_scenarios_per_second")

    static let states = ["queued", "running", "succeeded", "failed", "cancelled", "interrupted"]
    static let causes = ["worker_report", "worker_lost", "malformed", "not_counted"]

    init() {
        jobs = Dictionary(uniqueKeysWithValues: Self.states.map { ($0, Gauge(label: "tailgrid_jobs", dimensions: [("state", $0)])) })
        chunkFailures = Dictionary(uniqueKeysWithValues: Self.causes.map {
            ($0, Counter(label: "tailgrid_chunk_failures_total", dimensions: [("cause", $0)]))
        })
    }

    func failed(_ cause: CoordinatorState.FailureCause) {
        let label = switch cause {
        case .workerReport: "worker_report"
        case .workerLost: "worker_lost"
        case .malformed: "malformed"
        case .notCounted: "not_counted"
        }
        chunkFailures[label]?.increment()
    }

    /// Sets the gauges from the state; `scenariosPerSecond` over the last tick.
    func update(from state: CoordinatorState, scenariosPerSecond rate: Double) {
        var counts = Dictionary(uniqueKeysWithValues: Self.states.map { ($0, 0) })
        var pending = 0
        for job in state.jobs.values {
            let name = switch job.phase {
            case .queued: "queued"
            case .running: "running"
            case .succeeded: "succeeded"
            case .failed: "failed"
            case .cancelled: "cancelled"
            case .interrupted: "interrupted"
            }
            counts[name, default: 0] += 1
            if job.isSchedulable { pending += job.chunks.count - job.doneChunks - job.running.count }
        }
        for (state, count) in counts { jobs[state]?.record(count) }
        liveWorkers.record(state.workers.count)
        quarantinedWorkers.record(state.quarantined.count)
        pendingChunks.record(pending)
        scenariosPerSecond.record(rate)
    }
}
