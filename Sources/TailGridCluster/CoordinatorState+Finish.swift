import Foundation
import TailGridEngine
import TailGridJob
import TailGridJournal

/// The end of a job: once every unit is merged and every audit settled, the result is
/// written and the job succeeds (or fails, or is computed again when a speculative
/// floor proved too high).
extension CoordinatorState {
    /// What a job whose units may all be in needs next (`finishIfDone`).
    enum Ending {
        case notYet
        /// A speculative floor proved too high: the job is computed again without them.
        case restart
        case startReplay
        case recomputeAudits
        case finish
    }

    /// What job `id` needs next, read in place: no copy of the job (about thirty retains
    /// for every unit a coordinator receives), and none alive when `finish` takes the
    /// merge's summaries in place (a copy would share them, and taking them would copy
    /// every tail).
    mutating func ending(of id: String) -> Ending {
        withJob(id) { job in
            guard job.isSchedulable, job.work?.isComplete == true else { return .notYet }
            guard job.work?.merger.floorsHeld == true else { return .restart }
            let replays = job.units.replays
            if replays && job.work?.replay == nil { return .startReplay }
            guard job.audit.checks.isEmpty else { return .recomputeAudits }
            if replays && (job.work?.replay?.merged.count ?? 0) < job.chunkPlan.chunkCount { return .notYet }
            return .finish
        } ?? .notYet
    }

    /// Ends a job whose merge (and, if it explains, replay) is complete and whose audits
    /// are settled; starts the replay of a job that explains once its merge is complete.
    mutating func finishIfDone(job id: String, now: ContinuousClock.Instant) {
        switch ending(of: id) {
        case .notYet:
            return
        case .restart:
            withJob(id) { $0.work?.pilotFloors = nil }
            restart(job: id, reason: "a speculative floor (the pilot's or the merge's) proved above an account's k-th largest loss (a chance below 2e-12 per account)", now: now)
            dispatch(now: now)
        case .startReplay:
            startReplay(job: id, now: now)
        case .recomputeAudits:
            recomputeUnplaceableAudits(job: id, now: now)
        case .finish:
            finish(job: id, now: now)
        }
    }

    /// Writes the result of a job whose every unit is merged and audit settled, and ends
    /// it (succeeded, or failed if the result cannot be made). The merge's summaries are
    /// taken out of the job in place first: the job ends either way, and a copy of the
    /// merge (its tails are 16 KB an account, 320 MB on a 20,000-account book) would
    /// double the coordinator's memory at the end of every job.
    mutating func finish(job id: String, now: ContinuousClock.Instant) {
        // The stress batches first: the summaries are taken only when the job can end
        // (`losses` assembles every account's stress losses, so it is built once, below).
        guard jobs[id]?.work?.stress.isComplete == true,
              let summaries = withJob(id, { $0.work?.merger.takeSummaries() }) ?? nil,
              let job = jobs[id], let work = job.work, let stress = work.stress.losses else { return }
        let elapsed = ((job.started ?? job.submitted).duration(to: now)).seconds
        do {
            let result = try EngineResult(plan: work.plan, summaries: summaries, stress: stress)
            var files = ResultFiles(json: Data(), csv: Data())
            if let replay = work.replay {
                let attribution = TailAttribution(plan: work.plan)
                let explanations = try attribution.explanations(replay.total, bars: replay.bars, tails: replay.tails, stress: stress)
                let explanation = ExplanationDocument(plan: work.plan, explanations: explanations, risks: result.accounts)
                files.explainJSON = try explanation.jsonData()
                files.contributionsCSV = explanation.csvData()
            }
            var document = ResultDocument(job: work.loaded, result: result, elapsedSeconds: elapsed)
            document.audit = ResultDocument.Audit(chunksChecked: job.audit.chunksChecked, mismatches: job.audit.mismatches,
                                                  quarantinedWorkers: job.audit.quarantinedWorkers)
            document.computedBy.workers = job.chunksByMachine
                .map { ResultDocument.WorkerShare(host: $0.host, engineVersion: $0.engineVersion, openblasCore: $0.openblasCore,
                                                  openblasConfig: $0.openblasConfig, chunks: $1) }
                .sorted { ($0.host, $0.openblasCore, $0.openblasConfig) < ($1.host, $1.openblasCore, $1.openblasConfig) }
            let (json, csv) = try ResultWriter.files(document, labels: work.loaded.confidenceLabels)
            files = ResultFiles(json: json, csv: csv, explainJSON: files.explainJSON, contributionsCSV: files.contributionsCSV)
            let finishedAt = Date()
            withJob(id) { job in
                job.phase = .succeeded(files)
                job.finished = now
                job.finishedAt = finishedAt
                job.work = nil
                job.resultAwaited = !job.watchers.isEmpty
                job.awaitedDocument = job.resultAwaited ? document : nil
            }
            let explanation = files.explainJSON.map { json in (json: json, csv: files.contributionsCSV ?? Data()) }
            record(.finished(job: id, state: .succeeded, reason: nil, at: finishedAt, json: files.json, csv: files.csv,
                             auditedChunks: job.audit.chunksChecked, auditMismatches: job.audit.mismatches,
                             explanation: explanation))
            log("job \(id) succeeded in \(String(format: "%.2f", elapsed)) s: \(job.chunkPlan.chunkCount) chunks, \(job.retriedChunks) retried, \(job.speculativeChunks) speculative, \(job.audit.chunksChecked) audited (\(job.audit.mismatches) mismatches), \(job.summaryBytes) summary bytes", job: id)
            publish(job: id, now: now)
        } catch {
            fail(job: id, reason: "\(error)", now: now)
        }
    }
}
