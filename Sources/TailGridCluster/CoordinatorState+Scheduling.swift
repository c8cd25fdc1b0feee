import Foundation
import TailGridEngine
import TailGridJournal
import TailGridProtocol

/// Which unit (scenario chunk or stress batch, `WorkUnits`) goes to which worker: pending
/// units of the first schedulable job (retried ones first, never back to the worker that
/// just failed them while another is live), then audits, then speculative copies of slow
/// units. A worker takes its slots and `prefetch` more pending units (queued on it); an
/// idle slot also takes audits, a unit still queued on another worker, and speculative
/// copies. Each step costs O(jobs + retries + running units), never O(units of a job).
extension CoordinatorState {
    struct Pick {
        let job: String
        let chunk: Int
        let kind: LeaseKind
    }

    /// Gives free worker slots the next chunks.
    mutating func dispatch(now: ContinuousClock.Instant) {
        // Whom units go to changes no job's schedulability: one order serves the dispatch.
        let order = schedulingOrder()
        let first = order.first
        let prefetch = first.map { awaitsFirstMerge($0) } == true ? 0 : Swift.min(Swift.max(0, configuration.prefetch), 1024)
        let group = first.map { leaseGroupSize(job: $0) } ?? 1
        for workerID in workers.keys.sorted() {
            // Idle as this dispatch began: it may take several queued leases from others
            // (a group's worth), not only the first.
            guard let worker = workers[workerID] else { continue }
            let idle = worker.hasIdleSlot
            // Whole groups only: a few leases freed would go out as a small group, come back
            // as one and be refilled as one, and small groups would go round for the rest
            // of the job. (At its end fewer are left, and they go as they are.)
            let free = worker.freeSlots(prefetch: prefetch, group: group)
            var room = worker.takesGroups && !idle ? free - free % group : free
            while room > 0, let worker = workers[workerID], let pick = nextChunk(for: worker, idle: idle, order: order, now: now) {
                assign(job: pick.job, chunk: pick.chunk, kind: pick.kind, to: workerID, now: now)
                room -= 1
            }
        }
    }

    /// Whether a job still hands out fresh chunks with its pilot's floors alone, none of
    /// its chunks merged yet. A lease carries the floors of when it was given, so until
    /// the first merge a worker takes only its slots, no prefetch: what it would have
    /// prefetched goes out with the floors the first merged chunks give (the merge's
    /// speculative floor, `SummaryMerger.admissionFloors`: the 1.9% quantile of one chunk
    /// of 8,192 scenarios, 1.6% of two, against the pilot's 2.9% of 2,048), and ships
    /// fewer losses. One round trip per worker is the cost, once a job.
    /// (Read in place, as `assign` and `leaseGroupSize` read: copies of jobs made on every
    /// lease were a tenth of the coordinator's CPU on the 10M-scenario job.)
    mutating func awaitsFirstMerge(_ id: String) -> Bool {
        withJob(id) { job in
            job.work?.merger.pilotFloors != nil && job.work?.merger.mergedScenarios == 0
                && job.nextFresh < job.work?.plan.chunks.chunkCount ?? 0
        } ?? false
    }

    mutating func nextChunk(for worker: Worker, idle: Bool, order: [String], now: ContinuousClock.Instant) -> Pick? {
        let othersLive = hasOtherActiveWorker(than: worker.id)
        for id in order {
            if let chunk = takePending(job: id, for: worker.id, othersLive: othersLive) {
                return Pick(job: id, chunk: chunk, kind: .compute)
            }
        }
        guard idle else { return nil }
        if worker.hasIdleSlot {
            for id in order {
                if let job = jobs[id], let chunk = auditChunk(in: job, for: worker) {
                    return Pick(job: id, chunk: chunk, kind: .audit)
                }
            }
        }
        if let queued = queuedLease(stealableBy: worker, order: order) {
            // An idle worker takes a unit that waits behind another worker's running ones
            // (at the end of a job, a prefetched unit would otherwise wait a unit's time).
            removeLease(queued.id)
            revoke(queued.id, worker: queued.worker)
            if let chunk = takePending(job: queued.job, for: worker.id, othersLive: false) {
                return Pick(job: queued.job, chunk: chunk, kind: .compute)
            }
        }
        guard worker.hasIdleSlot else { return nil }
        for id in order {
            guard let job = jobs[id], !job.running.isEmpty else { continue }
            let threshold = Swift.max(configuration.minimumSpeculationDelay.seconds,
                                      configuration.speculationFactor * job.chunkSeconds.median)
            for chunk in job.running {
                guard case .running(let holders) = job.chunks[chunk], holders.count == 1, let holder = holders.first,
                      let lease = leases[holder], lease.worker != worker.id, (now - lease.started).seconds > threshold else { continue }
                return Pick(job: id, chunk: chunk, kind: .speculative)
            }
        }
        return nil
    }

    /// A compute lease another worker holds but has not started: a worker runs its leases
    /// in the order given, `slots` at once, so one with `slots` older leases on its worker
    /// still waits (`slots` groups' worth for a worker that takes groups). (One whose
    /// predecessor's result is on its way may have started; then its revoked result is
    /// dropped, which costs a unit's work and nothing else.)
    mutating func queuedLease(stealableBy thief: Worker, order: [String]) -> Lease? {
        for id in order {
            let groupSize = leaseGroupSize(job: id)
            guard let job = jobs[id] else { continue }
            for chunk in job.running {
                guard case .running(let holders) = job.chunks[chunk], holders.count == 1, let holder = holders.first,
                      let lease = leases[holder], case .compute = lease.kind, lease.worker != thief.id,
                      let owner = workers[lease.worker] else { continue }
                // A worker taking groups answers its first group of leases (`slots` groups
                // at once) together; only leases past those are taken, so two idle workers
                // never pass a queue back and forth.
                let started = owner.slots * (owner.takesGroups ? groupSize : 1)
                if owner.leases.lazy.filter({ $0 < lease.id }).count >= started { return lease }
            }
        }
        return nil
    }

    /// The next pending chunk of a job for `worker`, removed from the queue.
    mutating func takePending(job id: String, for worker: UInt64, othersLive: Bool) -> Int? {
        withJob(id) { job -> Int? in
            var index = job.retries.count - 1
            while index >= 0 {
                let chunk = job.retries[index]
                guard case .pending = job.chunks[chunk] else {
                    job.retries.remove(at: index)
                    index -= 1
                    continue
                }
                if othersLive && job.lastFailedWorker[chunk] == worker {
                    index -= 1
                    continue
                }
                job.retries.remove(at: index)
                return chunk
            }
            while job.nextFresh < job.chunks.count {
                // Replays wait for the merge; the cursor waits with them.
                if case .waiting = job.chunks[job.nextFresh] { return nil }
                let chunk = job.nextFresh
                job.nextFresh += 1
                if case .pending = job.chunks[chunk] { return chunk }
            }
            return nil
        } ?? nil
    }

    mutating func assign(job id: String, chunk: Int, kind: LeaseKind, to workerID: UInt64, now: ContinuousClock.Instant) {
        // The job's parts are read, not the job: a copy of it alive at `withJob` below would
        // share its unit states, and the write would copy all of them (every chunk's) for
        // every lease: quadratic in chunks.
        guard let (units, generation, hasWork) = withJob(id, { job in (job.units, job.generation, job.work != nil) }),
              hasWork, let worker = workers[workerID] else { return }
        let leaseID = nextLease
        nextLease += 1
        let unit = units.unit(chunk)
        let floors: [Double]
        if case .audit = kind, let checkFloors = withJob(id, { $0.audit.checks[chunk]?.floors }) ?? nil {
            floors = checkFloors
        } else if case .scenarios = unit {
            floors = withJob(id, { $0.work?.merger.cachedAdmissionFloors() ?? [] }) ?? []
        } else {
            floors = []
        }
        leases[leaseID] = Lease(id: leaseID, worker: workerID, workerName: worker.name, job: id, chunk: chunk, started: now, kind: kind,
                                floors: floors, generation: generation)
        workers[workerID]?.leases.insert(leaseID)
        withJob(id) { job in
            switch kind {
            case .audit:
                job.audit.checks[chunk]?.lease = leaseID
            case .compute, .speculative:
                var holders: Set<UInt64> = []
                if case .running(let existing) = job.chunks[chunk] { holders = existing }
                holders.insert(leaseID)
                job.chunks[chunk] = .running(holders)
                job.running.insert(chunk)
                if case .speculative = kind { job.speculativeChunks += 1 }
            }
            if case .queued = job.phase { job.phase = .running }
        }
        if withJob(id, { $0.started == nil }) == true {
            // A job resumed from the journal keeps its first start.
            let startedAt = Date()
            withJob(id) { job in
                job.started = now
                job.startedAt = startedAt
            }
            record(.started(job: id, at: startedAt))
        }
        if case .speculative = kind { metrics.speculativeChunks.increment() }
        switch kind {
        case .speculative: log("job \(id) \(units.describe(chunk)): slow; speculative copy to worker \(worker.label)", job: id, chunk: chunk)
        case .audit: log("job \(id) \(units.describe(chunk)): audit by worker \(worker.label)", .debug, job: id, chunk: chunk)
        case .compute: break
        }
        if !worker.payloadsSent.contains(id), let loaded = withJob(id, { $0.work?.loaded }) ?? nil {
            for part in Wire.payloadParts(jobID: id, job: loaded, budget: configuration.limits.partBytes) {
                var message = Tailgrid_V1_CoordinatorMessage()
                message.payload = part
                worker.outbound.yield(message)
            }
            workers[workerID]?.payloadsSent.insert(id)
        }
        var assignment = Tailgrid_V1_ChunkAssignment()
        assignment.jobID = id
        assignment.leaseID = leaseID
        assignment.chunkIndex = UInt32(chunk)
        switch unit {
        case .scenarios(let range):
            assignment.firstScenario = range.lowerBound
            assignment.endScenario = range.upperBound
        case .stress(let range):
            assignment.kind = .stress
            assignment.firstScenario = UInt64(range.lowerBound)
            assignment.endScenario = UInt64(range.upperBound)
        case .replay(let range):
            assignment.kind = .replay
            assignment.firstScenario = range.lowerBound
            assignment.endScenario = range.upperBound
            if let bars = withJob(id, { $0.work?.replay?.bars }) ?? nil { Wire.write(bars, into: &assignment) }
        }
        assignment.floors = floors
        // Sent when the transition ends (`sendAssignments`), with the others it makes.
        workers[workerID]?.outgoing.append(assignment)
        assignedWorkers.insert(workerID)
        publish(job: id, now: now)
    }

    /// A worker handed a lease back: because it is leaving (it gets no more chunks), or
    /// because it no longer holds the job's payload (sent again, within limits).
    mutating func handBack(lease id: UInt64, from workerID: UInt64, payloadMissing: Bool, message: String, now: ContinuousClock.Instant) {
        guard let lease = leases[id], lease.worker == workerID else { return }
        if payloadMissing {
            // A lease that went out before the payload was sent again asks nothing new (a
            // group's leases all come back for one missing payload): it is only reassigned.
            if id >= workers[workerID]?.payloadResent[lease.job] ?? 0 {
                workers[workerID]?.payloadsSent.remove(lease.job)
                workers[workerID]?.payloadResent[lease.job] = nextLease
                let requests = (workers[workerID]?.payloadRequests[lease.job] ?? 0) + 1
                workers[workerID]?.payloadRequests[lease.job] = requests
                if requests > 3 {
                    offend(worker: workerID, "asked for job payloads \(requests) times", now: now)
                }
            }
            failLease(id, reason: "worker lacked the job's payload; sending it again", cause: .notCounted, now: now)
        } else {
            workers[workerID]?.draining = true
            failLease(id, reason: message.isEmpty ? "handed back" : String(message.prefix(200)), cause: .notCounted, now: now)
        }
        dispatch(now: now)
    }
}
