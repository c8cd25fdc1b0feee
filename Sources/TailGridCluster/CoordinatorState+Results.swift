import Foundation
import TailGridEngine
import TailGridJournal
import TailGridProtocol

/// Transitions of leases: results received and checked, failures and hand-backs.
extension CoordinatorState {
    /// Why a lease ended without a result, which decides what it costs.
    enum FailureCause {
        /// The worker computed and reported an error: an attempt, and a mark against the
        /// chunk (a chunk that fails on `poisonWorkers` workers is poison).
        case workerReport
        /// The worker was lost while computing: likewise.
        case workerLost
        /// The worker broke the protocol: an offence against the worker, not the chunk.
        case malformed
        /// Handed back, revoked, or the worker was sent away: costs nothing.
        case notCounted
    }

    mutating func removeLease(_ id: UInt64) {
        guard let lease = leases.removeValue(forKey: id) else { return }
        workers[lease.worker]?.leases.remove(id)
        workers[lease.worker]?.partials[id] = nil
        workers[lease.worker]?.partialBytes[id] = nil
        withJob(lease.job) { job in
            guard lease.generation == job.generation else { return }
            if case .audit = lease.kind {
                if job.audit.checks[lease.chunk]?.lease == id { job.audit.checks[lease.chunk]?.lease = nil }
                return
            }
            guard lease.chunk < job.chunks.count, case .running(var holders) = job.chunks[lease.chunk] else { return }
            holders.remove(id)
            if holders.isEmpty {
                job.chunks[lease.chunk] = .pending
                job.running.remove(lease.chunk)
                job.retries.append(lease.chunk)
            } else {
                job.chunks[lease.chunk] = .running(holders)
            }
        }
    }

    /// A lease ended without a result.
    mutating func failLease(_ id: UInt64, reason: String, cause: FailureCause, now: ContinuousClock.Instant) {
        guard let lease = leases[id] else { return }
        removeLease(id)
        metrics.failed(cause)
        if case .malformed = cause { offend(worker: lease.worker, reason, now: now) }
        guard let job = jobs[lease.job], job.isSchedulable, lease.generation == job.generation else { return }
        if case .audit = lease.kind {
            log("job \(lease.job) \(job.units.describe(lease.chunk)): audit lease ended (\(reason)); it goes to another worker", job: lease.job, chunk: lease.chunk)
            return
        }
        let unit = job.units.describe(lease.chunk)
        switch cause {
        case .workerReport, .workerLost:
            let (attempts, workersFailed) = withJob(lease.job) { job in
                job.attempts[lease.chunk, default: 0] += 1
                job.failedOn[lease.chunk, default: []].insert(lease.workerName)
                job.lastError[lease.chunk] = reason
                job.lastFailedWorker[lease.chunk] = lease.worker
                job.retriedChunks += 1
                return (job.attempts[lease.chunk] ?? 0, job.failedOn[lease.chunk]?.count ?? 0)
            }!
            if workersFailed >= configuration.poisonWorkers {
                fail(job: lease.job, reason: "\(unit) failed on \(workersFailed) different workers, so it fails wherever it runs; last error: \(reason)", now: now)
                return
            }
            if attempts >= configuration.maxAttempts {
                fail(job: lease.job, reason: "\(unit) failed \(attempts) times; last error: \(reason)", now: now)
                return
            }
            log("job \(lease.job) \(unit): \(reason); retrying (attempt \(attempts + 1) of \(configuration.maxAttempts))", .warning, job: lease.job, chunk: lease.chunk)
        case .malformed:
            withJob(lease.job) { job in
                job.lastFailedWorker[lease.chunk] = lease.worker
                job.retriedChunks += 1
            }
            log("job \(lease.job) \(unit): \(reason); requeued", .warning, job: lease.job, chunk: lease.chunk)
        case .notCounted:
            log("job \(lease.job) \(unit): \(reason); requeued", job: lease.job, chunk: lease.chunk)
        }
        publish(job: lease.job, now: now)
    }

    /// A lease's whole result arrived (its last part carried `bytes`): an audit's
    /// recomputation is compared, any other merged.
    ///
    /// The worker's slot is free once the result is in: its next unit is assigned before
    /// this one is merged, so it computes while the coordinator merges. The floors it gets
    /// are the merge's before this chunk: lower, so it may send more, never something
    /// wrong (the result does not depend on the floors). Except at a job's first merge
    /// (`awaitsFirstMerge`): the floors before it are the pilot's, the loosest, so the
    /// merge goes first (milliseconds, once a job) and the next unit carries its floors.
    /// A result that fails its checks still fails its lease (`failLease` finds it in
    /// `leases`).
    mutating func deliver(lease: Lease, _ result: WorkUnitResult, bytes: Int, now: ContinuousClock.Instant) {
        let totalBytes = (workers[lease.worker]?.partialBytes[lease.id] ?? 0) + bytes
        workers[lease.worker]?.partials[lease.id] = nil
        workers[lease.worker]?.partialBytes[lease.id] = nil
        workers[lease.worker]?.leases.remove(lease.id)
        if !awaitsFirstMerge(lease.job) { dispatch(now: now) }
        if case .audit = lease.kind {
            auditResult(lease: lease, result: result, now: now)
        } else {
            complete(lease: lease, result: result, bytes: totalBytes, now: now)
        }
        dispatch(now: now)
    }

    /// A unit's result arrived: checked against every rule (a summary also against the
    /// floors it was computed with), merged, and perhaps chosen for audit.
    mutating func complete(lease: Lease, result: WorkUnitResult, bytes: Int, now: ContinuousClock.Instant) {
        // Read in a scope of its own: a copy of the job held across the merge would share
        // the merger's buffers, and the merge would copy all of them (every account's
        // histogram and tail) to write one chunk.
        let holders: Set<UInt64>? = {
            guard let job = jobs[lease.job], job.work != nil, lease.generation == job.generation else { return nil }
            if case .running(let current) = job.chunks[lease.chunk] { return current }
            return []
        }()
        guard let holders else { return }
        let mergeStart = ContinuousClock.now
        let merged: Result<Bool, EngineError> = withJob(lease.job) { job in
            do throws(EngineError) {
                switch result {
                case .scenarios(let summary): return .success(try job.work!.merger.merge(chunk: lease.chunk, summary, floors: lease.floors))
                case .stress(let batch): return .success(try job.work!.stress.merge(unit: lease.chunk, batch))
                case .replay(let part): return .success(try Self.merge(part, unit: lease.chunk, into: &job.work!))
                }
            } catch {
                return .failure(error)
            }
        }!
        if case .failure(let error) = merged {
            failLease(lease.id, reason: "rejected a malformed result from worker \(workers[lease.worker]?.label ?? "\(lease.worker)"): \(error.message)",
                      cause: .malformed, now: now)
            return
        }
        let workerName = workers[lease.worker]?.name ?? "?"
        let machine = workers[lease.worker]?.machine
        let scenarios: Int
        if case .scenarios(let summary) = result { scenarios = summary.scenarios.count } else { scenarios = 0 }
        withJob(lease.job) { job in
            job.mergeSeconds += (ContinuousClock.now - mergeStart).seconds
            job.summaryBytes += bytes
            if case .done = job.chunks[lease.chunk] {} else if scenarios > 0 {
                // Stress batches are not chunks: their times would skew the speculation
                // threshold, and status counts scenario chunks.
                job.chunkSeconds.append((now - lease.started).seconds)
                job.doneChunks += 1
                job.scenariosDone += UInt64(scenarios)
                if let machine { job.chunksByMachine[machine, default: 0] += 1 }
            }
            job.chunks[lease.chunk] = .done
            job.running.remove(lease.chunk)
            job.deliveredBy.insert(workerName)
        }
        leases[lease.id] = nil
        workers[lease.worker]?.leases.remove(lease.id)
        for other in holders where other != lease.id {
            // The first result wins; speculative copies are told to stop.
            if let duplicate = leases.removeValue(forKey: other) {
                workers[duplicate.worker]?.leases.remove(other)
                workers[duplicate.worker]?.partials[other] = nil
                workers[duplicate.worker]?.partialBytes[other] = nil
                revoke(other, worker: duplicate.worker)
            }
        }
        if case .success(true) = merged {
            metrics.summaryBytes.increment(by: Int64(bytes))
            metrics.mergeSeconds.increment(by: (ContinuousClock.now - mergeStart).seconds)
            switch result {
            case .scenarios(let summary):
                metrics.chunksDone.increment()
                metrics.scenariosDone.increment(by: Int64(scenarios))
                scenariosMerged += UInt64(scenarios)
                record(.chunk(job: lease.job, index: lease.chunk, summary: { [floors = lease.floors] in Wire.journalBytes(summary, floors: floors) }))
            case .stress(let batch):
                record(.chunk(job: lease.job, index: lease.chunk, summary: { Wire.journalBytes(batch) }))
            case .replay(let part):
                record(.chunk(job: lease.job, index: lease.chunk, summary: { Wire.journalBytes(part) }))
            }
            sampleForAudit(job: lease.job, chunk: lease.chunk, worker: lease.worker, name: workerName,
                           result: result, floors: lease.floors)
        }
        finishIfDone(job: lease.job, now: now)
        publish(job: lease.job, now: now)
    }

    /// Checks a replay of unit `index` against the tails (`TailAttribution.check`) and adds
    /// it to the job's total; false when that unit was merged already.
    static func merge(_ part: TailReplay, unit index: Int, into work: inout Work) throws(EngineError) -> Bool {
        let units = work.plan.units(explaining: true)
        guard var replay = work.replay, index >= units.firstReplay, index < units.count else {
            throw EngineError(.inconsistentSummary, "unit \(index) is not a replay of this job, or its merge is not complete")
        }
        guard part.hasShape(of: replay.shape) else {
            throw EngineError(.inconsistentSummary, "the replay does not have the shape of the job's accounts")
        }
        try TailAttribution(plan: work.plan).check(part, against: replay.expectations[index - units.firstReplay], bars: replay.bars)
        guard replay.merged.insert(index).inserted else { return false }
        replay.total.absorb(part)
        work.replay = replay
        return true
    }
}
