import Foundation
import TailGridEngine
import TailGridJob
import TailGridJournal

extension Coordinator {
    /// What `resume()` brought back.
    public struct ResumeReport: Sendable, Equatable {
        /// Unfinished jobs planned again, and the chunks merged from the journal for them.
        public var jobsResumed = 0
        public var chunksRestored = 0
        /// Stress batches merged from the journal.
        public var stressBatchesRestored = 0
        /// Journaled chunks and stress batches that failed their digest or checks:
        /// computed again.
        public var chunksDiscarded = 0
        /// Jobs that could not be planned again (they fail, saying why).
        public var jobsFailed = 0
        /// Finished jobs whose status and result answer again.
        public var jobsFinished = 0
    }

    /// Brings back the journal's jobs: finished ones answer status and result calls again;
    /// each unfinished one is parsed and planned again from the bytes it was submitted
    /// with (the same pilot floors and plan), and its journaled chunk summaries and stress
    /// batches are decoded, checked and merged, so only the other units are computed.
    /// Merging is exact and order-free, so the result is bit-identical to a run that
    /// never stopped. Chunks journaled by another engine version are not used. Call it
    /// once, before serving; it parses and plans on the calling thread.
    public func resume() throws(JournalError) -> ResumeReport {
        guard let journal else { return ResumeReport() }
        var report = ResumeReport()
        let quarantined = try journal.quarantinedNames()
        try? transition { state, _ in state.quarantined.formUnion(quarantined) }
        for row in try journal.jobs() {
            guard row.state == .active else {
                try? transition { state, now in state.restoreFinished(row, now: now) }
                report.jobsFinished += 1
                continue
            }
            do throws(ClusterError) {
                try resume(row, journal: journal, report: &report)
                report.jobsResumed += 1
            } catch {
                report.jobsFailed += 1
                let reason = "could not be resumed from the journal: \(error.message)"
                // It fails as a job, recorded in the journal, so a client hears why.
                try? transition { state, now in
                    guard row.hasPlausibleSizes else {
                        state.log("journal: job \(row.id) \(reason)", .error)
                        state.record(.finished(job: row.id, state: .failed, reason: reason, at: Date(), json: nil, csv: nil,
                                               auditedChunks: 0, auditMismatches: 0))
                        return
                    }
                    var failed = row
                    failed.state = .failed
                    failed.reason = reason
                    failed.finishedAt = Date()
                    state.restoreFinished(failed, now: now)
                    state.log("job \(row.id) \(reason)", .error, job: row.id)
                    state.record(.finished(job: row.id, state: .failed, reason: reason, at: failed.finishedAt ?? Date(),
                                           json: nil, csv: nil, auditedChunks: 0, auditMismatches: 0))
                }
            }
        }
        try? transition { state, now in
            state.log("resumed from \(journal.folder): \(report.jobsResumed) unfinished jobs (\(report.chunksRestored) chunks from the journal, \(report.chunksDiscarded) discarded), \(report.jobsFinished) finished, \(report.jobsFailed) failed to resume")
            state.dispatch(now: now)
        }
        return report
    }

    /// Plans one unfinished job again and merges its journaled chunks.
    func resume(_ row: JournaledJob, journal: Journal, report: inout ResumeReport) throws(ClusterError) {
        var inputs: [JobInput] = []
        for input in row.inputs {
            guard let (kind, reference) = JobInput.parse(key: input.key) else {
                throw ClusterError(.invalidJob, "the journal holds an input with the key '\(Wire.shown(input.key))'")
            }
            inputs.append(JobInput(kind: kind, reference: reference, bytes: input.bytes))
        }
        let loaded: LoadedJob
        do {
            let variant = try JobVariant.checked(backtestDay: row.backtestDay.map(Int64.init), scenarios: UInt64(max(0, row.variantScenarios ?? 0)),
                                                 file: row.path)
            loaded = try JobFile.parse(jobBytes: row.jobYAML, path: row.path, positions: row.positionsCSV, inputs: inputs, variant: variant)
        } catch {
            throw ClusterError(.invalidJob, "its job file no longer parses: \(error)")
        }
        guard loaded.inputSHA256 == row.inputSHA256 else {
            throw ClusterError(.invalidJob, "its bytes in the journal no longer have the SHA-256 it was submitted with")
        }
        let plan: EnginePlan
        do { plan = try EnginePlan(loaded.engineJob) } catch {
            throw ClusterError(.invalidJob, error.message)
        }
        var pilotFloors = row.pilotFloors
        var entries: [JournalEntry] = []
        var useChunks = true
        if let floors = pilotFloors, floors.count != plan.lossRowCount {
            pilotFloors = nil
            useChunks = false
        }
        if row.engineVersion != EngineVersion.current {
            logger.warning("job \(row.id) was journaled by engine \(Wire.shown(row.engineVersion)); this is \(EngineVersion.current): computing every chunk again")
            useChunks = false
        }
        if !useChunks { entries.append(.restarted(job: row.id, pilotFloors: pilotFloors)) }
        var merger = SummaryMerger(plan: plan, pilotFloors: pilotFloors)
        var stress = StressMerger(plan: plan)
        let units = plan.units(explaining: row.explain)
        var replays: [Int: Data] = [:]
        if useChunks {
            // Refused when decoded or checked, and (returned) failing their SHA-256.
            var discarded: [Int] = []
            var damaged: [Int] = []
            do {
                damaged = try journal.chunks(of: row.id) { chunk in
                    do throws(ClusterError) {
                        if units.isReplay(chunk.index) && chunk.index < units.count {
                            // Checked once the merge is complete and the bars are known.
                            replays[chunk.index] = chunk.summary
                        } else if plan.units.isStress(chunk.index) {
                            let batch = try Wire.journaledStressBatch(chunk.summary, unit: chunk.index, plan: plan)
                            do throws(EngineError) { try stress.merge(unit: chunk.index, batch) } catch {
                                throw ClusterError(.protocolViolation, error.message)
                            }
                        } else {
                            let journaled = try Wire.journaledSummary(chunk.summary, chunk: chunk.index, plan: plan)
                            merger.mergeChecked(chunk: chunk.index, journaled.summary, floors: journaled.floors)
                        }
                    } catch {
                        logger.error("job \(row.id): journaled unit \(chunk.index) is refused (\(error.message)); computing it again")
                        discarded.append(chunk.index)
                    }
                }
            } catch {
                throw ClusterError(.invalidJob, "reading its chunks from the journal failed: \(error)")
            }
            discarded += damaged
            for index in discarded { entries.append(.chunkDiscarded(job: row.id, index: index)) }
            report.chunksDiscarded += discarded.count
            report.chunksRestored += merger.mergedChunks.count
            report.stressBatchesRestored += stress.mergedUnits.count
        }
        try? transition { [merger, stress, replays] state, now in
            for entry in entries { state.record(entry) }
            state.restoreActive(row, loaded: loaded, plan: plan, pilotFloors: pilotFloors, merger: merger, stress: stress,
                                replays: replays, now: now)
        }
    }
}
