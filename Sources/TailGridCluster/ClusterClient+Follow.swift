import GRPCCore
import Synchronization
import TailGridProtocol

extension ClusterClient {
    /// How long `follow` keeps at it.
    public struct FollowLimits: Sendable {
        /// The whole wait; nil waits for as long as the job runs.
        public var timeout: Duration?
        /// How long the coordinator may stay unreachable before the wait gives up.
        public var reconnectFor: Duration

        public init(timeout: Duration? = nil, reconnectFor: Duration = .seconds(300)) {
            self.timeout = timeout
            self.reconnectFor = reconnectFor
        }
    }

    /// Watches a job until it ends, across coordinator restarts: when the connection is
    /// lost (or the stream closes while the job is unfinished, as a draining coordinator
    /// with a journal does), it reconnects with backoff (0.2 s doubling to 5 s) and
    /// watches again. Returns the job's last status: an ended one, or an unfinished one
    /// when `limits.timeout` passed. Throws `unavailable` when the coordinator stayed
    /// unreachable for `reconnectFor` before any status arrived, `interrupted` when it did
    /// so after one, or when a coordinator that came back no longer knows the job (it was
    /// restarted without `--state`).
    public func follow(_ id: String, limits: FollowLimits = FollowLimits(), accepted: Bool = false,
                       onStatus: @escaping @Sendable (Tailgrid_V1_JobStatus) -> Void) async throws(ClusterError) -> Tailgrid_V1_JobStatus {
        let start = ContinuousClock.now
        let deadline = limits.timeout.map { start + $0 }
        let heard = Mutex<(status: Tailgrid_V1_JobStatus?, at: ContinuousClock.Instant)>((nil, start))
        var everHeard = accepted
        var delay = Duration.milliseconds(200)
        while true {
            do {
                let status = try await Self.race(until: deadline) { [self] in
                    try await withConnection { connection in
                        try await connection.watch(id, accepted: true) { status in
                            heard.withLock { $0 = (status, ContinuousClock.now) }
                            onStatus(status)
                        }
                    }
                }
                guard let status else { break } // the timeout
                if status.state != .queued && status.state != .running && status.state != .unspecified { return status }
                delay = .milliseconds(200)
            } catch let error as ClusterError where error.code == .unavailable || error.code == .interrupted {
                // Lost: try again below.
            } catch let error as ClusterError where error.code == .notFound && (everHeard || heard.withLock({ $0.status != nil })) {
                throw ClusterError(.interrupted, "job \(id) was interrupted: the coordinator came back without it (it was restarted without --state); submit it again (the result will be the same)")
            } catch let error as ClusterError {
                throw error
            } catch {
                throw ClusterError(.unavailable, "watching job \(id): \(error)")
            }
            let (last, at) = heard.withLock { $0 }
            everHeard = everHeard || last != nil
            let now = ContinuousClock.now
            if let deadline, now >= deadline { break }
            if now - at > limits.reconnectFor {
                throw everHeard
                    ? ClusterError(.interrupted, "job \(id) was interrupted: the coordinator \(address) stayed unreachable for \(limits.reconnectFor); it may resume the job when it returns (tailgrid wait \(id))")
                    : ClusterError(.unavailable, "coordinator \(address) stayed unreachable for \(limits.reconnectFor)")
            }
            try? await Task.sleep(for: deadline.map { Swift.min(delay, $0 - now) } ?? delay)
            delay = Swift.min(delay * 2, .seconds(5))
        }
        if let last = heard.withLock({ $0.status }) { return last }
        throw ClusterError(.unavailable, "coordinator \(address) did not answer about job \(id) within the timeout")
    }

    /// `body`'s value, or nil once `deadline` passes (then `body` is cancelled).
    static func race<T: Sendable>(until deadline: ContinuousClock.Instant?,
                                  _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
        guard let deadline else { return try await body() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }
}
