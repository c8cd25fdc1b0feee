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
        /// Missing or wrong token.
        case unauthenticated
        /// No such job.
        case notFound
        /// The job has no result (yet, or because it failed).
        case noResult
        /// The coordinator does not accept jobs (shutting down) or cannot be reached.
        case unavailable
        /// The job failed or was cancelled.
        case jobFailed
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
