import TailGridJob

/// The one error type of the cluster layer.
public struct ClusterError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The job file is invalid; `jobError` says where.
        case invalidJob
        /// The job is larger than the coordinator accepts.
        case tooLarge
        /// A peer speaks another protocol version.
        case protocolMismatch
        /// Missing or wrong token, or a token of the wrong role.
        case unauthenticated
        /// The coordinator refuses this worker (quarantined).
        case refused
        /// No such job.
        case notFound
        /// The job has no result (yet, or because it failed).
        case noResult
        /// The coordinator does not accept jobs (shutting down) or cannot be reached.
        case unavailable
        /// The job failed.
        case jobFailed
        /// The job was cancelled.
        case cancelled
        /// The coordinator shut down while the job was queued or running.
        case interrupted
        /// A message broke the protocol (malformed summary, unknown lease).
        case protocolViolation
    }

    public var code: Code
    public var message: String
    public var jobError: JobError?

    public init(_ code: Code, _ message: String, jobError: JobError? = nil) {
        self.code = code
        self.message = message
        self.jobError = jobError
    }

    public var description: String { jobError.map(\.description) ?? message }
}
