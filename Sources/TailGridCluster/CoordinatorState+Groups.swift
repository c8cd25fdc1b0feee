import TailGridProtocol

/// Groups of leases: a worker that takes them (`WorkerHello.takes_assignment_groups`) gets
/// the leases of a transition in messages of up to `leaseGroupSize` assignments and
/// answers each group's chunks in one message, so a job of short chunks costs a message
/// each way per group instead of per chunk. Each lease stays its own: revoked, retried,
/// audited, merged and journaled alone, so nothing but the message count changes.
extension CoordinatorState {
    /// The leases in a group for job `id`: enough chunks for `leaseGroupSeconds` of a
    /// worker thread's time, by the median compute time workers report for the job's
    /// chunks; 1 until a chunk is reported, at most `maxLeaseGroup`. Reports are checked
    /// (`recordComputeSeconds`), and a lying worker moves only this bounded size.
    mutating func leaseGroupSize(job id: String) -> Int {
        let limit = Swift.min(Swift.max(1, configuration.maxLeaseGroup), 1024)
        guard limit > 1, let median = withJob(id, { $0.computeSeconds.median }), median > 0 else { return 1 }
        let target = configuration.leaseGroupSeconds.seconds
        guard target > 0 else { return 1 }
        return Int(Swift.min(Double(limit), Swift.max(1, (target / median).rounded(.down))))
    }

    /// Keeps a scenario chunk's reported compute time for the group size: finite, positive
    /// and at most a day, from the worker holding the lease; anything else is ignored.
    mutating func recordComputeSeconds(_ part: Tailgrid_V1_ChunkResultPart, from workerID: UInt64) {
        let seconds = part.computeSeconds
        guard part.last, seconds.isFinite, seconds > 0, seconds <= 86_400,
              let lease = leases[part.leaseID], lease.worker == workerID else { return }
        withJob(lease.job) { $0.computeSeconds.append(seconds) }
    }

    /// Counts a message with chunk results for each job whose leases it answers (read
    /// before the parts end their leases).
    mutating func countResultMessage(_ parts: [Tailgrid_V1_ChunkResultPart], from workerID: UInt64) {
        var counted: Set<String> = []
        for part in parts {
            guard let lease = leases[part.leaseID], lease.worker == workerID, counted.insert(lease.job).inserted else { continue }
            withJob(lease.job) { $0.resultMessages += 1 }
        }
    }

    /// A group's chunk results: each part as if it had come alone, in order.
    mutating func receive(_ group: Tailgrid_V1_ChunkResults, bytes: Int, from workerID: UInt64, now: ContinuousClock.Instant) {
        let count = group.parts.count
        guard count > 0 else { return }
        countResultMessage(group.parts, from: workerID)
        // The message's bytes, shared among its parts (the job's summary bytes).
        for (index, part) in group.parts.enumerated() {
            let share = bytes / count + (index == count - 1 ? bytes % count : 0)
            receive(part, bytes: share, from: workerID, now: now)
        }
    }

    /// Sends each worker the assignments this transition made: one message for a worker
    /// that takes no groups (or a lone assignment), otherwise runs of one job's leases in
    /// messages of up to its group size and a part's bytes (`ClusterLimits.partBytes`).
    mutating func sendAssignments() {
        guard !assignedWorkers.isEmpty else { return }
        defer { assignedWorkers.removeAll(keepingCapacity: true) }
        for id in assignedWorkers {
            guard let worker = workers[id], !worker.outgoing.isEmpty else { continue }
            workers[id]?.outgoing = []
            var start = 0
            let outgoing = worker.outgoing
            while start < outgoing.count {
                let job = outgoing[start].jobID
                let size = worker.takesGroups ? leaseGroupSize(job: job) : 1
                // Within a part's bytes too: a group's floors (8 bytes a loss row each)
                // grow with the accounts, and the group size with what workers report.
                var bytes = Wire.estimatedBytes(outgoing[start])
                var end = start + 1
                while end < outgoing.count, end - start < size, outgoing[end].jobID == job {
                    bytes += Wire.estimatedBytes(outgoing[end])
                    guard bytes <= configuration.limits.partBytes else { break }
                    end += 1
                }
                var message = Tailgrid_V1_CoordinatorMessage()
                if end - start == 1 {
                    message.assignment = outgoing[start]
                } else {
                    message.assignments.assignments = Array(outgoing[start..<end])
                }
                worker.outbound.yield(message)
                start = end
            }
        }
    }
}
