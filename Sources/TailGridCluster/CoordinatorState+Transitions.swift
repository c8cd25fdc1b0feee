import Foundation
import TailGridEngine
import TailGridJob
import TailGridProtocol

extension CoordinatorState {
    // MARK: Jobs

    mutating func add(_ loaded: LoadedJob, plan: EnginePlan, priority: Int, id: String, now: ContinuousClock.Instant) {
        sequence += 1
        let chunkCount = plan.chunks.chunkCount
        jobs[id] = Job(id: id, sequence: sequence, priority: priority, loaded: loaded, plan: plan,
                       merger: SummaryMerger(plan: plan), chunks: Array(repeating: .pending, count: chunkCount),
                       pending: Array(0..<chunkCount), failures: Array(repeating: 0, count: chunkCount),
                       lastError: Array(repeating: nil, count: chunkCount), submitted: now)
        events.append("job \(id) ('\(loaded.engineJob.name)') queued: \(loaded.engineJob.scenarios) scenarios in \(chunkCount) chunks")
        dispatch(now: now)
    }

    mutating func cancel(job id: String, reason: String, now: ContinuousClock.Instant) {
        end(job: id, phase: .cancelled(reason), event: "cancelled: \(reason)", now: now)
        dispatch(now: now)
    }

    mutating func fail(job id: String, reason: String, now: ContinuousClock.Instant) {
        end(job: id, phase: .failed(reason), event: "failed: \(reason)", now: now)
    }

    /// Ends an unfinished job without a result: its leases are revoked, watchers told.
    mutating func end(job id: String, phase: Phase, event: String, now: ContinuousClock.Instant) {
        guard var job = jobs[id], !job.phase.isFinished else { return }
        job.phase = phase
        job.finished = now
        jobs[id] = job
        revokeLeases(ofJob: id)
        events.append("job \(id) \(event)")
        publish(job: id, now: now)
    }

    mutating func revokeLeases(ofJob id: String) {
        for lease in leases.values where lease.job == id {
            removeLease(lease.id)
            var revoke = Tailgrid_V1_CoordinatorMessage()
            revoke.revoke.leaseID = lease.id
            workers[lease.worker]?.outbound.yield(revoke)
        }
    }

    // MARK: Workers

    mutating func register(name: String, slots: Int, outbound: Outbound, now: ContinuousClock.Instant) -> UInt64 {
        let id = nextWorker
        nextWorker += 1
        workers[id] = Worker(id: id, name: name, slots: Swift.max(1, slots), outbound: outbound, lastHeard: now)
        var welcome = Tailgrid_V1_CoordinatorMessage()
        welcome.welcome.protocolVersion = Wire.protocolVersion
        welcome.welcome.workerID = "\(name)#\(id)"
        welcome.welcome.heartbeatIntervalSeconds = configuration.heartbeatInterval.seconds
        welcome.welcome.leaseTimeoutSeconds = configuration.leaseTimeout.seconds
        outbound.yield(welcome)
        events.append("worker \(name)#\(id) joined with \(slots) slots")
        dispatch(now: now)
        publishAll(now: now)
        return id
    }

    mutating func unregister(worker id: UInt64, reason: String, now: ContinuousClock.Instant) {
        guard let worker = workers.removeValue(forKey: id) else { return }
        worker.outbound.finish()
        for leaseID in worker.leases {
            failLease(leaseID, reason: "worker \(worker.name)#\(id) \(reason)", counts: true, now: now)
        }
        events.append("worker \(worker.name)#\(id) left: \(reason)")
        dispatch(now: now)
        publishAll(now: now)
    }

    mutating func heard(from id: UInt64, now: ContinuousClock.Instant) {
        workers[id]?.lastHeard = now
    }

    /// A worker silent for longer than the lease timeout is lost: its leases go back to the
    /// queue and its stream is closed (it may reconnect), so no chunk is handed back to it.
    mutating func expireLeases(now: ContinuousClock.Instant) {
        for worker in workers.values where now - worker.lastHeard > configuration.leaseTimeout {
            unregister(worker: worker.id, reason: "sent no heartbeat for \(configuration.leaseTimeout); its leases expired", now: now)
        }
    }

    // MARK: Leases

    mutating func removeLease(_ id: UInt64) {
        guard let lease = leases.removeValue(forKey: id) else { return }
        workers[lease.worker]?.leases.remove(id)
        workers[lease.worker]?.partials[id] = nil
        workers[lease.worker]?.partialBytes[id] = nil
        guard var job = jobs[lease.job], case .running(var holders) = job.chunks[lease.chunk] else { return }
        holders.remove(id)
        job.chunks[lease.chunk] = holders.isEmpty ? .pending : .running(holders)
        jobs[lease.job] = job
    }

    /// A lease ended without a result. `counts`: an attempt was used up (not for chunks a
    /// draining worker hands back).
    mutating func failLease(_ id: UInt64, reason: String, counts: Bool, now: ContinuousClock.Instant) {
        guard let lease = leases[id] else { return }
        removeLease(id)
        guard var job = jobs[lease.job], job.isSchedulable else { return }
        if counts {
            job.failures[lease.chunk] += 1
            job.lastError[lease.chunk] = reason
            job.retriedChunks += 1
        }
        let range = job.plan.chunks.range(ofChunk: lease.chunk)
        if counts && job.failures[lease.chunk] >= configuration.maxAttempts {
            jobs[lease.job] = job
            fail(job: lease.job, reason: "chunk \(lease.chunk) (scenarios \(range.lowerBound)..<\(range.upperBound)) failed \(job.failures[lease.chunk]) times; last error: \(reason)", now: now)
            return
        }
        if case .pending = job.chunks[lease.chunk], !job.pending.contains(lease.chunk) {
            job.pending.insert(lease.chunk, at: 0)
        }
        jobs[lease.job] = job
        events.append(counts
            ? "job \(lease.job) chunk \(lease.chunk): \(reason); retrying (attempt \(job.failures[lease.chunk] + 1) of \(configuration.maxAttempts))"
            : "job \(lease.job) chunk \(lease.chunk): returned by its worker (\(reason)); requeued")
        publish(job: lease.job, now: now)
    }

    // MARK: Results

    /// A part of a chunk result from worker `workerID`.
    mutating func receive(_ part: Tailgrid_V1_ChunkResultPart, bytes: Int, from workerID: UInt64, now: ContinuousClock.Instant) {
        guard let lease = leases[part.leaseID], lease.worker == workerID, let job = jobs[lease.job] else {
            return // a revoked or expired lease: its result is not needed
        }
        var accounts = workers[workerID]?.partials[part.leaseID] ?? []
        do throws(ClusterError) {
            guard Int(part.firstAccount) == accounts.count else {
                throw ClusterError(.protocolViolation, "result part starts at account \(part.firstAccount), expected \(accounts.count)")
            }
            guard accounts.count + part.accounts.count <= job.plan.histogramLayouts.count else {
                throw ClusterError(.protocolViolation, "result has more accounts than the job")
            }
            for message in part.accounts {
                accounts.append(try Wire.summary(message, layout: job.plan.histogramLayouts[accounts.count]))
            }
        } catch {
            failLease(part.leaseID, reason: "rejected a malformed result from worker \(workerID): \(error.message)", counts: true, now: now)
            dispatch(now: now)
            return
        }
        workers[workerID]?.partialBytes[part.leaseID, default: 0] += bytes
        guard part.last else {
            workers[workerID]?.partials[part.leaseID] = accounts
            return
        }
        let totalBytes = workers[workerID]?.partialBytes[part.leaseID] ?? bytes
        workers[workerID]?.partials[part.leaseID] = nil
        workers[workerID]?.partialBytes[part.leaseID] = nil
        complete(lease: lease, accounts: accounts, bytes: totalBytes, now: now)
        dispatch(now: now)
    }

    mutating func complete(lease: Lease, accounts: [AccountLossSummary], bytes: Int, now: ContinuousClock.Instant) {
        guard var job = jobs[lease.job] else { return }
        let summary = ChunkSummary(scenarios: job.plan.chunks.range(ofChunk: lease.chunk), accounts: accounts)
        let mergeStart = ContinuousClock.now
        do throws(EngineError) {
            try job.merger.merge(chunk: lease.chunk, summary)
        } catch {
            jobs[lease.job] = job
            failLease(lease.id, reason: "rejected a malformed result from worker \(lease.worker): \(error.message)", counts: true, now: now)
            return
        }
        job.mergeSeconds += (ContinuousClock.now - mergeStart).seconds
        job.summaryBytes += bytes
        job.chunkSeconds.append((now - lease.started).seconds)
        let others: Set<UInt64>
        if case .running(let holders) = job.chunks[lease.chunk] { others = holders.subtracting([lease.id]) } else { others = [] }
        job.chunks[lease.chunk] = .done
        jobs[lease.job] = job
        leases[lease.id] = nil
        workers[lease.worker]?.leases.remove(lease.id)
        for other in others {
            // The first result wins; speculative copies are told to stop.
            if let duplicate = leases.removeValue(forKey: other) {
                workers[duplicate.worker]?.leases.remove(other)
                workers[duplicate.worker]?.partials[other] = nil
                var revoke = Tailgrid_V1_CoordinatorMessage()
                revoke.revoke.leaseID = other
                workers[duplicate.worker]?.outbound.yield(revoke)
            }
        }
        if jobs[lease.job]!.merger.isComplete { finish(job: lease.job, now: now) }
        publish(job: lease.job, now: now)
    }

    mutating func finish(job id: String, now: ContinuousClock.Instant) {
        guard var job = jobs[id] else { return }
        let elapsed = ((job.started ?? job.submitted).duration(to: now)).seconds
        do {
            let result = try EngineResult(plan: job.plan, merged: job.merger)
            let document = ResultDocument(job: job.loaded, result: result, elapsedSeconds: elapsed)
            let json = try ResultWriter.jsonData(document)
            let csv = ResultWriter.csvData(document, labels: job.loaded.confidenceLabels)
            job.phase = .succeeded(json: json, csv: csv)
            job.finished = now
            jobs[id] = job
            events.append("job \(id) succeeded in \(String(format: "%.2f", elapsed)) s: \(job.plan.chunks.chunkCount) chunks, \(job.retriedChunks) retried, \(job.speculativeChunks) speculative, \(job.summaryBytes) summary bytes")
        } catch {
            jobs[id] = job
            fail(job: id, reason: "\(error)", now: now)
        }
    }

    // MARK: Scheduling

    /// Gives free worker slots the next chunks: pending chunks of the first schedulable
    /// job in order, then speculative copies of slow chunks.
    mutating func dispatch(now: ContinuousClock.Instant) {
        for workerID in workers.keys.sorted() {
            while let worker = workers[workerID], worker.leases.count < worker.slots,
                  let (jobID, chunk, speculative) = nextChunk(for: worker, now: now) {
                assign(job: jobID, chunk: chunk, to: workerID, speculative: speculative, now: now)
            }
        }
    }

    func nextChunk(for worker: Worker, now: ContinuousClock.Instant) -> (String, Int, Bool)? {
        let order = schedulingOrder
        for id in order {
            if let chunk = jobs[id]!.pending.first { return (id, chunk, false) }
        }
        for id in order {
            let job = jobs[id]!
            let sorted = job.chunkSeconds.sorted()
            let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
            let threshold = Swift.max(configuration.minimumSpeculationDelay.seconds, configuration.speculationFactor * median)
            for (chunk, state) in job.chunks.enumerated() {
                guard case .running(let holders) = state, holders.count == 1, let holder = holders.first,
                      let lease = leases[holder], lease.worker != worker.id,
                      (now - lease.started).seconds > threshold else { continue }
                return (id, chunk, true)
            }
        }
        return nil
    }

    mutating func assign(job id: String, chunk: Int, to workerID: UInt64, speculative: Bool, now: ContinuousClock.Instant) {
        guard var job = jobs[id], var worker = workers[workerID] else { return }
        let leaseID = nextLease
        nextLease += 1
        leases[leaseID] = Lease(id: leaseID, worker: workerID, job: id, chunk: chunk, started: now, speculative: speculative)
        worker.leases.insert(leaseID)
        var holders: Set<UInt64> = []
        if case .running(let existing) = job.chunks[chunk] { holders = existing }
        holders.insert(leaseID)
        job.chunks[chunk] = .running(holders)
        job.pending.removeAll { $0 == chunk }
        if speculative {
            job.speculativeChunks += 1
            events.append("job \(id) chunk \(chunk): slow; speculative copy to worker \(worker.name)#\(workerID)")
        }
        if case .queued = job.phase {
            job.phase = .running
            job.started = now
        }
        if !worker.payloadsSent.contains(id) {
            for part in Wire.payloadParts(jobID: id, job: job.loaded, budget: configuration.limits.partBytes) {
                var message = Tailgrid_V1_CoordinatorMessage()
                message.payload = part
                worker.outbound.yield(message)
            }
            worker.payloadsSent.insert(id)
        }
        let range = job.plan.chunks.range(ofChunk: chunk)
        var message = Tailgrid_V1_CoordinatorMessage()
        message.assignment.jobID = id
        message.assignment.leaseID = leaseID
        message.assignment.chunkIndex = UInt32(chunk)
        message.assignment.firstScenario = range.lowerBound
        message.assignment.endScenario = range.upperBound
        message.assignment.floors = job.merger.admissionFloors
        worker.outbound.yield(message)
        workers[workerID] = worker
        jobs[id] = job
        publish(job: id, now: now)
    }

    // MARK: Status

    func status(of id: String, now: ContinuousClock.Instant) -> Tailgrid_V1_JobStatus? {
        guard let job = jobs[id] else { return nil }
        var status = Tailgrid_V1_JobStatus()
        status.jobID = id
        status.jobName = job.loaded.engineJob.name
        status.inputSha256 = job.loaded.inputSHA256
        switch job.phase {
        case .queued: status.state = .queued
        case .running: status.state = .running
        case .succeeded: status.state = .succeeded
        case .failed(let reason):
            status.state = .failed
            status.error = reason
        case .cancelled(let reason):
            status.state = .cancelled
            status.error = reason
        }
        var done = 0
        var scenariosDone: UInt64 = 0
        for (chunk, state) in job.chunks.enumerated() {
            if case .done = state {
                done += 1
                scenariosDone += UInt64(job.plan.chunks.range(ofChunk: chunk).count)
            }
        }
        status.chunksDone = UInt32(done)
        status.chunksTotal = UInt32(job.chunks.count)
        status.scenariosDone = scenariosDone
        status.scenariosTotal = UInt64(job.plan.job.scenarios)
        let elapsed = job.started.map { ($0.duration(to: job.finished ?? now)).seconds } ?? 0
        status.elapsedSeconds = elapsed
        if elapsed > 0 {
            status.scenariosPerSecond = Double(scenariosDone) / elapsed
            if !job.phase.isFinished && scenariosDone > 0 {
                status.etaSeconds = Double(status.scenariosTotal - scenariosDone) / status.scenariosPerSecond
            }
        }
        status.liveWorkers = UInt32(workers.count)
        status.retriedChunks = UInt32(job.retriedChunks)
        status.speculativeChunks = UInt32(job.speculativeChunks)
        status.summaryBytes = UInt64(job.summaryBytes)
        status.fullLossVectorBytes = UInt64(job.plan.job.accounts.count) * UInt64(job.plan.job.scenarios) * 8
        status.mergeSeconds = job.mergeSeconds
        return status
    }

    func publish(job id: String, now: ContinuousClock.Instant) {
        guard let job = jobs[id], !job.watchers.isEmpty, let status = status(of: id, now: now) else { return }
        for watcher in job.watchers.values {
            watcher.yield(status)
            if job.phase.isFinished { watcher.finish() }
        }
    }

    /// Live-worker counts changed: every watcher hears it.
    func publishAll(now: ContinuousClock.Instant) {
        for id in jobs.keys { publish(job: id, now: now) }
    }
}

extension Duration {
    var seconds: Double { self / .seconds(1) }
}
