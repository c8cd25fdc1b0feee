import Foundation
import TailGridProtocol

/// A job's status as schedulers read it (`status`, `cancel`, `list --json`): every field of
/// tailgrid.v1.JobStatus under its proto name, always present (proto3 JSON leaves out
/// zeros, empty strings and false, which a poll loop would have to know), counts and
/// byte totals as JSON numbers, the state by name.
struct StatusDocument: Encodable {
    let job_id: String
    let job_name: String
    let state: String
    let error: String
    let interrupted: Bool
    let priority: Int32
    let idempotency_key: String
    let input_sha256: String
    let submitted_unix_seconds: Double
    let started_unix_seconds: Double
    let finished_unix_seconds: Double
    let elapsed_seconds: Double
    let eta_seconds: Double
    let chunks_done: UInt32
    let chunks_total: UInt32
    let chunks_resumed: UInt32
    let scenarios_done: UInt64
    let scenarios_total: UInt64
    let scenarios_per_second: Double
    let live_workers: UInt32
    let retried_chunks: UInt32
    let speculative_chunks: UInt32
    let audited_chunks: UInt32
    let audit_mismatches: UInt32
    let quarantined_workers: [String]
    let summary_bytes: UInt64
    let result_messages: UInt64
    let full_loss_vector_bytes: UInt64
    let merge_seconds: Double

    init(_ status: Tailgrid_V1_JobStatus) {
        job_id = status.jobID
        job_name = status.jobName
        state = Self.name(status.state)
        error = status.error
        interrupted = status.interrupted
        priority = status.priority
        idempotency_key = status.idempotencyKey
        input_sha256 = status.inputSha256
        // A coordinator sends finite numbers; a hostile one could send NaN, which JSON cannot hold.
        submitted_unix_seconds = Self.finite(status.submittedUnixSeconds)
        started_unix_seconds = Self.finite(status.startedUnixSeconds)
        finished_unix_seconds = Self.finite(status.finishedUnixSeconds)
        elapsed_seconds = Self.finite(status.elapsedSeconds)
        eta_seconds = Self.finite(status.etaSeconds)
        chunks_done = status.chunksDone
        chunks_total = status.chunksTotal
        chunks_resumed = status.chunksResumed
        scenarios_done = status.scenariosDone
        scenarios_total = status.scenariosTotal
        scenarios_per_second = Self.finite(status.scenariosPerSecond)
        live_workers = status.liveWorkers
        retried_chunks = status.retriedChunks
        speculative_chunks = status.speculativeChunks
        audited_chunks = status.auditedChunks
        audit_mismatches = status.auditMismatches
        quarantined_workers = status.quarantinedWorkers
        summary_bytes = status.summaryBytes
        result_messages = status.resultMessages
        full_loss_vector_bytes = status.fullLossVectorBytes
        merge_seconds = Self.finite(status.mergeSeconds)
    }

    /// The proto enum value's name, as proto3 JSON writes it.
    static func name(_ state: Tailgrid_V1_JobStatus.State) -> String {
        switch state {
        case .unspecified: "STATE_UNSPECIFIED"
        case .queued: "QUEUED"
        case .running: "RUNNING"
        case .succeeded: "SUCCEEDED"
        case .failed: "FAILED"
        case .cancelled: "CANCELLED"
        case .UNRECOGNIZED(let value): "STATE_\(value)"
        }
    }

    static func finite(_ value: Double) -> Double { value.isFinite ? value : 0 }

    /// One line of JSON.
    static func json(_ status: Tailgrid_V1_JobStatus) throws -> String {
        try json(of: StatusDocument(status))
    }

    static func json(of value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
