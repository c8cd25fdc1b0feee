import Foundation
import TailGridEngine

/// Audit by recomputation. A unit's result (a chunk's summary, a stress batch, a replay)
/// is a pure function of (job, unit, floors, bars), so any worker, or the coordinator
/// itself, can compute it again and must get the same bits. Each worker's first delivered
/// chunk and first replay of each job, a random `auditFraction` of the rest, and every
/// stress batch (a few per job, and each sets margins directly) are recomputed by a
/// different worker with the same floors and bars and compared. A disagreement is refereed by the coordinator's own computation (the one party that
/// is trusted): whoever differs from it is quarantined. When the forger is the worker
/// whose summary was merged, the job starts over without it, since its losses may have
/// raised the floors sent with every later chunk. When no other worker is there to audit
/// a chunk, the coordinator recomputes it itself before the job may finish.
extension CoordinatorState {
    /// Chooses whether a freshly merged chunk is audited.
    mutating func sampleForAudit(job id: String, chunk: Int, worker: UInt64, name: String, result: WorkUnitResult, floors: [Double]) {
        guard configuration.auditFraction > 0, let job = jobs[id] else { return }
        if case .stress = result {
            withJob(id) { job in
                job.audit.checks[chunk] = AuditBook.Check(chunk: chunk, deliveredBy: worker, deliveredByName: name,
                                                          result: result, floors: floors)
            }
            return
        }
        var replay = false
        if case .replay = result { replay = true }
        let sampled = AuditBook.SampledWorker(worker: worker, replay: replay)
        let first = !job.audit.sampledWorkers.contains(sampled)
        guard first || Double.random(in: 0..<1) < configuration.auditFraction else { return }
        withJob(id) { job in
            job.audit.sampledWorkers.insert(sampled)
            job.audit.checks[chunk] = AuditBook.Check(chunk: chunk, deliveredBy: worker, deliveredByName: name,
                                                      result: result, floors: floors)
        }
    }

    /// An audit chunk `worker` may take: not its own delivery, not under way.
    func auditChunk(in job: Job, for worker: Worker) -> Int? {
        job.audit.checks.values.first { check in
            check.deliveredBy != worker.id && check.deliveredByName != worker.name && check.lease == nil
                && check.disagreement == nil && !check.recomputing
        }?.chunk
    }

    /// The audit check of `chunk` in job `id` that `matches`, with the unit's description,
    /// while the job is schedulable in `generation`. A function of its own: the copy of the
    /// job it reads ends when it returns, so none is alive when its caller finishes the
    /// job (`finish` takes the merge's summaries in place, which a copy would share).
    func openCheck(job id: String, chunk: Int, generation: Int,
                   where matches: (AuditBook.Check) -> Bool) -> (unit: String, check: AuditBook.Check)? {
        guard let job = jobs[id], job.isSchedulable, job.generation == generation,
              let check = job.audit.checks[chunk], matches(check) else { return nil }
        return (job.units.describe(chunk), check)
    }

    /// A worker's recomputation of an audited chunk arrived.
    mutating func auditResult(lease: Lease, result: WorkUnitResult, now: ContinuousClock.Instant) {
        leases[lease.id] = nil
        workers[lease.worker]?.leases.remove(lease.id)
        guard let (unit, check) = openCheck(job: lease.job, chunk: lease.chunk, generation: lease.generation,
                                            where: { $0.lease == lease.id }) else { return }
        let auditor = workers[lease.worker]?.name ?? "?"
        if result == check.result {
            withJob(lease.job) { job in
                job.audit.chunksChecked += 1
                job.audit.checks[lease.chunk] = nil
            }
            metrics.auditedChunks.increment()
            log("job \(lease.job) \(unit): audit by \(auditor) agrees with \(check.deliveredByName)", job: lease.job, chunk: lease.chunk)
            finishIfDone(job: lease.job, now: now)
            return
        }
        log("job \(lease.job) \(unit): audit by \(auditor) disagrees with \(check.deliveredByName); the coordinator recomputes it", .error, job: lease.job, chunk: lease.chunk)
        metrics.auditMismatches.increment()
        withJob(lease.job) { job in
            job.audit.mismatches += 1
            job.audit.checks[lease.chunk]?.lease = nil
            job.audit.checks[lease.chunk]?.disagreement = (lease.worker, auditor, result)
        }
        requestRecomputation(job: lease.job, chunk: lease.chunk)
    }

    mutating func requestRecomputation(job id: String, chunk: Int) {
        guard let job = jobs[id], let plan = job.work?.plan, let check = job.audit.checks[chunk], !check.recomputing else { return }
        withJob(id) { $0.audit.checks[chunk]?.recomputing = true }
        recomputations.append(Recomputation(job: id, chunk: chunk, unit: job.units.unit(chunk), generation: job.generation,
                                            plan: plan, floors: check.floors, bars: job.work?.replay?.bars))
    }

    /// When a job's merge is complete, an audit that has no worker to run on (every live
    /// worker delivered the chunk, or drains), or whose worker is slower than the
    /// speculation threshold, is recomputed by the coordinator itself: an audit never
    /// holds a job back for long.
    mutating func recomputeUnplaceableAudits(job id: String, now: ContinuousClock.Instant) {
        guard let job = jobs[id] else { return }
        let threshold = Swift.max(configuration.minimumSpeculationDelay.seconds,
                                  configuration.speculationFactor * job.chunkSeconds.median)
        for check in job.audit.checks.values where check.disagreement == nil && !check.recomputing {
            if let lease = check.lease.flatMap({ leases[$0] }) {
                if (now - lease.started).seconds > threshold { requestRecomputation(job: id, chunk: check.chunk) }
                continue
            }
            let eligible = workers.values.contains { $0.id != check.deliveredBy && $0.name != check.deliveredByName && !$0.draining }
            if !eligible { requestRecomputation(job: id, chunk: check.chunk) }
        }
    }

    /// The coordinator's own result of an audited unit: the verdict.
    mutating func recomputed(job id: String, chunk: Int, generation: Int, result: WorkUnitResult, now: ContinuousClock.Instant) {
        guard let (unit, check) = openCheck(job: id, chunk: chunk, generation: generation, where: \.recomputing) else { return }
        if let lease = check.lease {
            // A slow audit lease the coordinator overtook: it is no longer needed.
            if let holder = leases[lease]?.worker { revoke(lease, worker: holder) }
            removeLease(lease)
        }
        let deliveredWrong = result != check.result
        metrics.auditedChunks.increment()
        if deliveredWrong && check.disagreement == nil { metrics.auditMismatches.increment() }
        withJob(id) { job in
            job.audit.chunksChecked += 1
            if deliveredWrong && check.disagreement == nil { job.audit.mismatches += 1 }
            job.audit.checks[chunk] = nil
        }
        if let disagreement = check.disagreement, disagreement.result != result {
            quarantine(name: disagreement.name, reason: "its audit of job \(id) \(unit) differs from the coordinator's computation",
                       now: now, job: id)
        }
        if deliveredWrong {
            // Quarantine restarts the job: its merge holds the forged summary.
            quarantine(name: check.deliveredByName, reason: "its result of job \(id) \(unit) differs from the coordinator's computation",
                       now: now, job: id)
        } else {
            log("job \(id) \(unit): the coordinator's recomputation agrees with \(check.deliveredByName)", job: id, chunk: chunk)
        }
        dispatch(now: now)
        finishIfDone(job: id, now: now)
    }
}
