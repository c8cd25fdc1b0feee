import Foundation
import TailGridEngine
import TailGridJob
import TailGridJournal
import TailGridProtocol

/// The journal's side of the transitions: what each records, and how a job comes back
/// from the journal when a coordinator resumes (see `Coordinator.resume`).
extension CoordinatorState {
    /// Records a change for the journal, when there is one.
    mutating func record(_ entry: JournalEntry) {
        if journaling { journalEntries.append(entry) }
    }

    /// What the journal keeps of an accepted job: the bytes it was submitted with, so a
    /// resuming coordinator parses and plans exactly this job again.
    static func journaled(_ loaded: LoadedJob, id: String, sequence: Int, priority: Int, pilotFloors: [Double]?,
                          explain: Bool, submittedAt: Date) -> JournaledJob {
        JournaledJob(id: id, sequence: sequence, priority: priority, name: loaded.engineJob.name, path: loaded.path,
                     inputSHA256: loaded.inputSHA256, engineVersion: EngineVersion.current, jobYAML: loaded.jobBytes,
                     positionsCSV: loaded.positionsBytes,
                     inputs: loaded.inputs.map { JournaledJob.Input(key: $0.key, bytes: $0.bytes) },
                     pilotFloors: pilotFloors, scenarios: loaded.engineJob.scenarios, chunkSize: loaded.engineJob.chunkSize,
                     accountCount: loaded.engineJob.accounts.count, submittedAt: submittedAt, explain: explain,
                     backtestDay: loaded.variant.backtestDay?.day, variantScenarios: loaded.variant.scenarios)
    }

    /// The monotonic instant that lies as far before `now` as `date` lies before the wall
    /// clock's now (never after `now`).
    static func instant(of date: Date, now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        let seconds = Swift.max(0, Date().timeIntervalSince(date))
        return now - .milliseconds(Int64(Swift.min(seconds, 1e9) * 1000))
    }

    /// A finished job from the journal: it answers status and result calls again.
    mutating func restoreFinished(_ row: JournaledJob, now: ContinuousClock.Instant) {
        guard row.hasPlausibleSizes else {
            log("journal: finished job \(row.id) has impossible sizes and is not restored", .error)
            return
        }
        let plan = ChunkPlan(scenarios: row.scenarios, chunkSize: row.chunkSize)
        let phase: Phase
        switch row.state {
        case .succeeded: phase = .succeeded(ResultFiles(json: row.resultJSON ?? Data(), csv: row.resultCSV ?? Data(),
                                                        explainJSON: row.explainJSON, contributionsCSV: row.contributionsCSV))
        case .failed: phase = .failed(row.reason ?? "no reason was recorded")
        case .cancelled: phase = .cancelled(row.reason ?? "no reason was recorded")
        case .active: return
        }
        // A finished job's units no longer matter: it answers status and result calls.
        var job = Job(id: row.id, sequence: row.sequence, priority: row.priority, name: row.name, inputSHA256: row.inputSHA256,
                      units: WorkUnits(chunks: plan, stressScenarios: 0), accountCount: row.accountCount, work: nil,
                      chunks: Array(repeating: .done, count: plan.chunkCount),
                      submitted: Self.instant(of: row.submittedAt, now: now), submittedAt: row.submittedAt)
        job.phase = phase
        if case .succeeded = phase {
            job.doneChunks = plan.chunkCount
            job.scenariosDone = UInt64(plan.scenarios)
        }
        job.started = row.startedAt.map { Self.instant(of: $0, now: now) }
        job.startedAt = row.startedAt
        job.finished = Self.instant(of: row.finishedAt ?? row.submittedAt, now: now)
        job.finishedAt = row.finishedAt
        job.audit.chunksChecked = row.auditedChunks
        job.audit.mismatches = row.auditMismatches
        job.idempotencyKey = row.idempotencyKey
        jobs[row.id] = job
        sequence = Swift.max(sequence, row.sequence)
    }

    /// An unfinished job from the journal, planned again, with the chunks and stress
    /// batches merged from it, and its journaled replays (bytes by unit) kept until its
    /// merge is complete (`startReplay` checks and merges them); the others are computed
    /// as for a new job.
    mutating func restoreActive(_ row: JournaledJob, loaded: LoadedJob, plan: EnginePlan, pilotFloors: [Double]?,
                                merger: SummaryMerger, stress: StressMerger, replays: [Int: Data] = [:],
                                now: ContinuousClock.Instant) {
        let units = plan.units(explaining: row.explain)
        var chunks = Self.freshStates(units)
        var scenariosDone: UInt64 = 0
        for chunk in merger.mergedChunks {
            chunks[chunk] = .done
            scenariosDone += UInt64(plan.chunks.range(ofChunk: chunk).count)
        }
        for unit in stress.mergedUnits { chunks[unit] = .done }
        var job = Job(id: row.id, sequence: row.sequence, priority: row.priority, name: row.name, inputSHA256: row.inputSHA256,
                      units: units, accountCount: loaded.engineJob.accounts.count,
                      work: Work(loaded: loaded, plan: plan, pilotFloors: pilotFloors, merger: merger, stress: stress,
                                 journaledReplays: replays),
                      chunks: chunks, submitted: Self.instant(of: row.submittedAt, now: now), submittedAt: row.submittedAt)
        job.doneChunks = merger.mergedChunks.count
        job.scenariosDone = scenariosDone
        job.chunksResumed = merger.mergedChunks.count
        job.started = row.startedAt.map { Self.instant(of: $0, now: now) }
        job.startedAt = row.startedAt
        job.idempotencyKey = row.idempotencyKey
        jobs[row.id] = job
        schedule(row.id)
        sequence = Swift.max(sequence, row.sequence)
        log("job \(row.id) ('\(row.name)') resumed from the journal: \(job.doneChunks) of \(plan.chunks.chunkCount) chunks and \(stress.mergedUnits.count) of \(plan.units.stressBatches) stress batches done\(replays.isEmpty ? "" : ", \(replays.count) replays kept")", job: row.id)
        // A job whose every unit was journaled but that had not finished ends now.
        finishIfDone(job: row.id, now: now)
    }
}

extension Wire {
    /// A chunk summary as the journal keeps it: one result part holding every account, and
    /// the floors its lease was computed with (`SummaryMerger.floorsHeld` needs them).
    static func journalBytes(_ summary: ChunkSummary, floors: [Double]) -> Data {
        var part = Tailgrid_V1_ChunkResultPart()
        part.accounts = summary.accounts.map { message($0) }
        part.floors = floors
        part.last = true
        // Encoding a message without required fields cannot fail; empty bytes would be
        // refused when resuming, and the chunk computed again.
        return (try? part.serializedBytes()) ?? Data()
    }

    /// A replay as the journal keeps it: one result part holding every account.
    static func journalBytes(_ replay: TailReplay) -> Data {
        var part = Tailgrid_V1_ReplayResultPart()
        part.accounts = (0..<replay.counts.count).map { message(replay, slot: $0) }
        part.last = true
        return (try? part.serializedBytes()) ?? Data()
    }

    /// A journaled replay of the scenarios `range`, decoded into `shape` (the job's empty
    /// replay) like one from the wire; the caller checks it against the tails.
    static func journaledReplay(_ bytes: Data, range: Range<UInt64>, shape: TailReplay) throws(ClusterError) -> TailReplay {
        let part: Tailgrid_V1_ReplayResultPart
        do { part = try Tailgrid_V1_ReplayResultPart(serializedBytes: bytes) } catch {
            throw ClusterError(.protocolViolation, "not a replay: \(error)")
        }
        guard part.accounts.count == shape.counts.count else {
            throw ClusterError(.protocolViolation, "a replay of \(part.accounts.count) accounts, the job \(shape.counts.count)")
        }
        var replay = shape
        for (slot, message) in part.accounts.enumerated() { try decode(message, slot: slot, into: &replay, range: range) }
        return replay
    }

    /// A journaled chunk summary, decoded and checked like one from the wire, and the floors
    /// it was computed with (nil when it was journaled without them: then at most the
    /// pilot's and exact ones, the only floors sent before).
    static func journaledSummary(_ bytes: Data, chunk: Int, plan: EnginePlan) throws(ClusterError)
        -> (summary: ChunkSummary, floors: [Double]?) {
        let part: Tailgrid_V1_ChunkResultPart
        do { part = try Tailgrid_V1_ChunkResultPart(serializedBytes: bytes) } catch {
            throw ClusterError(.protocolViolation, "chunk \(chunk) is not a summary in the journal: \(error)")
        }
        let layouts = plan.histogramLayouts
        guard chunk >= 0, chunk < plan.chunks.chunkCount, part.accounts.count == layouts.count else {
            throw ClusterError(.protocolViolation, "chunk \(chunk) of the journal holds \(part.accounts.count) accounts, the job \(layouts.count)")
        }
        guard part.floors.isEmpty || part.floors.count == layouts.count else {
            throw ClusterError(.protocolViolation, "chunk \(chunk) of the journal holds \(part.floors.count) floors, the job \(layouts.count) accounts")
        }
        var accounts: [AccountLossSummary] = []
        accounts.reserveCapacity(layouts.count)
        for (message, layout) in zip(part.accounts, layouts) { accounts.append(try summary(message, layout: layout)) }
        return (ChunkSummary(scenarios: plan.chunks.range(ofChunk: chunk), accounts: accounts),
                part.floors.isEmpty ? nil : part.floors)
    }
}

extension JournaledJob {
    /// Whether the row's sizes could have been written by a coordinator (a damaged row
    /// must not reach `ChunkPlan`'s preconditions or allocate without bound).
    var hasPlausibleSizes: Bool {
        scenarios > 0 && scenarios <= 1 << 40 && chunkSize > 0 && accountCount >= 0
            && (scenarios + chunkSize - 1) / chunkSize <= 1 << 24
    }
}
