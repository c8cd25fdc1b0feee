import Foundation
import TailGridEngine
import TailGridJob
import TailGridJournal
import TailGridProtocol

/// Transitions of jobs: queued, cancelled, failed, interrupted, restarted, finished,
/// forgotten.
extension CoordinatorState {
    mutating func add(_ loaded: LoadedJob, plan: EnginePlan, pilotFloors: [Double]?, explain: Bool = false, priority: Int, id: String,
                      idempotencyKey: String?, now: ContinuousClock.Instant) {
        sequence += 1
        let chunkCount = plan.chunks.chunkCount
        let submittedAt = Date()
        let units = plan.units(explaining: explain)
        jobs[id] = Job(id: id, sequence: sequence, priority: priority, name: loaded.engineJob.name,
                       inputSHA256: loaded.inputSHA256, units: units, accountCount: loaded.engineJob.accounts.count,
                       work: Work(loaded: loaded, plan: plan, pilotFloors: pilotFloors,
                                  merger: SummaryMerger(plan: plan, pilotFloors: pilotFloors), stress: StressMerger(plan: plan)),
                       chunks: Self.freshStates(units), submitted: now, submittedAt: submittedAt)
        jobs[id]?.idempotencyKey = idempotencyKey
        schedule(id)
        var journaled = Self.journaled(loaded, id: id, sequence: sequence, priority: priority, pilotFloors: pilotFloors,
                                       explain: explain, submittedAt: submittedAt)
        journaled.idempotencyKey = idempotencyKey
        record(.accepted(journaled))
        let stressBatches = plan.units.stressBatches
        let stress = stressBatches == 0 ? "" : " and \(plan.units.stressScenarios) stress scenarios in \(stressBatches) batch\(stressBatches == 1 ? "" : "es")"
        log("job \(id) ('\(loaded.engineJob.name)') queued: \(loaded.engineJob.scenarios) scenarios in \(chunkCount) chunks\(stress)\(explain ? ", explained" : "")", job: id)
        dispatch(now: now)
    }

    /// A new or restarted job's unit states: replays wait for the merge.
    static func freshStates(_ units: WorkUnits) -> [ChunkState] {
        (0..<units.count).map { units.isReplay($0) ? .waiting : .pending }
    }

    /// A job that explains has merged every chunk: its tails and bars are taken from the
    /// merge, and its replays become schedulable.
    mutating func startReplay(job id: String, now: ContinuousClock.Instant) {
        guard let job = jobs[id], let work = job.work else { return }
        let accounts = work.plan.job.accounts.count
        let tails = work.merger.tails(rows: 0..<accounts)
        let attribution = TailAttribution(plan: work.plan)
        let replay: Replay
        do throws(EngineError) {
            let bars = try attribution.bars(accounts: Array(0..<accounts), tails: tails)
            let shape = try attribution.emptyReplay(bars: bars)
            replay = Replay(tails: tails, bars: bars,
                            expectations: ReplayExpectation.perChunk(work.plan.chunks, bars: bars, tails: tails),
                            shape: shape, total: shape)
        } catch {
            fail(job: id, reason: "its tails cannot be replayed: \(error.message)", now: now)
            return
        }
        withJob(id) { job in
            job.work?.replay = replay
            for index in job.units.firstReplay..<job.units.count where job.chunks[index].isWaiting {
                job.chunks[index] = .pending
            }
        }
        let restored = mergeJournaledReplays(job: id)
        log("job \(id): merge complete; replaying the tails of \(accounts) accounts in \(job.chunkPlan.chunkCount - restored) chunks\(restored > 0 ? " (\(restored) replays from the journal)" : "")", job: id)
        dispatch(now: now)
        publish(job: id, now: now)
        // Every replay may have come from the journal.
        if restored > 0 { finishIfDone(job: id, now: now) }
    }

    /// Merges the replays a resumed job found in the journal, each decoded and checked
    /// against the tails as one from a worker (`merge(_:unit:into:)`); one that fails is
    /// discarded from the journal and computed again. Returns how many were merged.
    mutating func mergeJournaledReplays(job id: String) -> Int {
        guard let job = jobs[id], let work = job.work, let shape = work.replay?.shape, !work.journaledReplays.isEmpty else {
            return 0
        }
        var merged: [Int] = []
        var refused: [(Int, String)] = []
        withJob(id) { job in
            for (index, bytes) in work.journaledReplays.sorted(by: { $0.key < $1.key }) {
                guard job.units.isReplay(index), index < job.units.count, job.chunks[index].isPending,
                      case .replay(let range) = job.units.unit(index) else {
                    refused.append((index, "not a replay unit of this job"))
                    continue
                }
                do throws(ClusterError) {
                    let part = try Wire.journaledReplay(bytes, range: range, shape: shape)
                    do throws(EngineError) {
                        guard try Self.merge(part, unit: index, into: &job.work!) else { continue }
                    } catch {
                        throw ClusterError(.protocolViolation, error.message)
                    }
                    job.chunks[index] = .done
                    merged.append(index)
                } catch {
                    refused.append((index, error.message))
                }
            }
            job.work?.journaledReplays = [:]
        }
        for (index, reason) in refused {
            log("job \(id): journaled \(job.units.describe(index)) is refused (\(reason)); computing it again", job: id)
            record(.chunkDiscarded(job: id, index: index))
        }
        return merged.count
    }

    mutating func cancel(job id: String, reason: String, now: ContinuousClock.Instant) {
        end(job: id, phase: .cancelled(reason), event: "cancelled: \(reason)", now: now)
        dispatch(now: now)
    }

    mutating func fail(job id: String, reason: String, now: ContinuousClock.Instant) {
        end(job: id, phase: .failed(reason), event: "failed: \(reason)", now: now)
    }

    /// Ends an unfinished job without a result: its leases are revoked, watchers told, its
    /// working state released.
    mutating func end(job id: String, phase: Phase, event: String, now: ContinuousClock.Instant) {
        guard let job = jobs[id], !job.phase.isFinished else { return }
        revokeLeases(ofJob: id)
        let finishedAt = Date()
        withJob(id) { job in
            job.phase = phase
            job.finished = now
            job.finishedAt = finishedAt
            job.work = nil
            job.audit.checks = [:]
        }
        switch phase {
        case .failed(let reason):
            record(.finished(job: id, state: .failed, reason: reason, at: finishedAt, json: nil, csv: nil,
                             auditedChunks: job.audit.chunksChecked, auditMismatches: job.audit.mismatches))
        case .cancelled(let reason):
            record(.finished(job: id, state: .cancelled, reason: reason, at: finishedAt, json: nil, csv: nil,
                             auditedChunks: job.audit.chunksChecked, auditMismatches: job.audit.mismatches))
        case .interrupted, .queued, .running, .succeeded:
            // Interrupted only without a journal; the others do not end here.
            break
        }
        if case .failed = phase { log("job \(id) \(event)", .error, job: id) } else { log("job \(id) \(event)", job: id) }
        publish(job: id, now: now)
    }

    mutating func revokeLeases(ofJob id: String) {
        for lease in leases.values where lease.job == id {
            removeLease(lease.id)
            revoke(lease.id, worker: lease.worker)
        }
    }

    mutating func revoke(_ lease: UInt64, worker: UInt64) {
        // Not sent yet: it is simply not sent.
        if let index = workers[worker]?.outgoing.firstIndex(where: { $0.leaseID == lease }) {
            workers[worker]?.outgoing.remove(at: index)
            return
        }
        var message = Tailgrid_V1_CoordinatorMessage()
        message.revoke.leaseID = lease
        workers[worker]?.outbound.yield(message)
    }

    /// Starts a job's computation again from nothing: a forged summary was merged (its
    /// losses may have raised the floors every later chunk was computed with), or a
    /// speculative floor proved too high (then `work.pilotFloors` is nil first).
    mutating func restart(job id: String, reason: String, now: ContinuousClock.Instant) {
        guard let job = jobs[id], job.isSchedulable, let work = job.work else { return }
        revokeLeases(ofJob: id)
        withJob(id) { job in
            job.generation += 1
            job.work?.merger = SummaryMerger(plan: work.plan, pilotFloors: work.pilotFloors)
            job.work?.stress = StressMerger(plan: work.plan)
            job.work?.replay = nil
            job.chunks = Self.freshStates(job.units)
            job.nextFresh = 0
            job.retries = []
            job.running = []
            job.doneChunks = 0
            job.scenariosDone = 0
            job.attempts = [:]
            job.failedOn = [:]
            job.lastError = [:]
            job.lastFailedWorker = [:]
            job.audit.checks = [:]
            job.audit.sampledWorkers = []
            job.deliveredBy = []
            job.chunksByMachine = [:]
            job.chunksResumed = 0
        }
        record(.restarted(job: id, pilotFloors: work.pilotFloors))
        log("job \(id): \(reason); computing every chunk and stress batch again", .error, job: id)
        publish(job: id, now: now)
    }

    /// The coordinator shuts down: every unfinished job is interrupted (not failed), and
    /// watchers hear it.
    mutating func interruptAll(now: ContinuousClock.Instant) {
        for (id, job) in jobs where !job.phase.isFinished {
            let was = job.started == nil ? "queued" : "running"
            end(job: id, phase: .interrupted("the coordinator shut down while the job was \(was); submit it again"),
                event: "interrupted by shutdown", now: now)
        }
    }

    /// Forgets finished jobs beyond the retention count, older than the retention time, or
    /// (newest first) beyond the retained result bytes; the newest, and a job whose result
    /// a watcher is about to fetch (within `resultFetchGrace`), are kept for bytes. A
    /// result left unfetched past the grace no longer holds its value.
    mutating func evictFinished(now: ContinuousClock.Instant) {
        let finished = jobs.values.compactMap { job in
            job.finished.map { at in
                (id: job.id, at: at, bytes: job.resultBytes,
                 awaited: job.resultAwaited && now - at < configuration.resultFetchGrace,
                 stale: job.awaitedDocument != nil && now - at >= configuration.resultFetchGrace)
            }
        }.sorted { $0.at > $1.at }
        for job in finished where job.stale { withJob(job.id) { $0.awaitedDocument = nil } }
        var held = 0
        for (index, job) in finished.enumerated() {
            let total = held.addingReportingOverflow(job.bytes)
            let overBytes = index > 0 && !job.awaited && (total.overflow || total.partialValue > configuration.retainBytes)
            guard index >= configuration.retainJobs || now - job.at > configuration.retainTime || overBytes else {
                held = total.overflow ? .max : total.partialValue
                continue
            }
            jobs[job.id] = nil
            record(.forgotten(job: job.id))
        }
    }
}
