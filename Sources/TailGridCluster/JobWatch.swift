import TailGridProtocol

/// A job's statuses as a watcher receives them: the status now, each change, and the end
/// of the sequence when the job ends (or the coordinator shuts down).
///
/// `end()` finishes the sequence from the reading side, as a server call does when its
/// RPC is cancelled: statuses already buffered are still read before the end, so the last
/// status of a job a shutdown interrupted reaches its watcher even when the server's
/// quiescing cancels the call before the handler has written it.
public struct JobWatch: AsyncSequence, Sendable {
    public typealias Element = Tailgrid_V1_JobStatus
    public typealias Failure = Never

    let statuses: AsyncStream<Tailgrid_V1_JobStatus>
    let continuation: AsyncStream<Tailgrid_V1_JobStatus>.Continuation

    /// Ends the sequence after the statuses already buffered (idempotent).
    public func end() {
        continuation.finish()
    }

    public func makeAsyncIterator() -> AsyncStream<Tailgrid_V1_JobStatus>.Iterator {
        statuses.makeAsyncIterator()
    }
}
