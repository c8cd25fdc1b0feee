import Foundation
import TailGridProtocol

/// What clients see of a job: its status, pushed to watchers on every change.
extension CoordinatorState {
    func status(of id: String, now: ContinuousClock.Instant) -> Tailgrid_V1_JobStatus? {
        guard let job = jobs[id] else { return nil }
        var status = Tailgrid_V1_JobStatus()
        status.jobID = id
        status.jobName = job.name
        status.inputSha256 = job.inputSHA256
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
        case .interrupted(let reason):
            status.state = .failed
            status.error = reason
            status.interrupted = true
        }
        status.chunksDone = UInt32(clamping: job.doneChunks)
        status.chunksTotal = UInt32(clamping: job.chunkPlan.chunkCount)
        status.scenariosDone = job.scenariosDone
        status.scenariosTotal = UInt64(job.chunkPlan.scenarios)
        let elapsed = job.started.map { ($0.duration(to: job.finished ?? now)).seconds } ?? 0
        status.elapsedSeconds = elapsed
        if elapsed > 0 {
            status.scenariosPerSecond = Double(job.scenariosDone) / elapsed
            if !job.phase.isFinished && job.scenariosDone > 0 && job.scenariosDone < status.scenariosTotal {
                status.etaSeconds = Double(status.scenariosTotal - job.scenariosDone) / status.scenariosPerSecond
            }
        }
        status.liveWorkers = UInt32(clamping: workers.count)
        status.retriedChunks = UInt32(clamping: job.retriedChunks)
        status.speculativeChunks = UInt32(clamping: job.speculativeChunks)
        status.summaryBytes = UInt64(job.summaryBytes)
        status.fullLossVectorBytes = UInt64(job.accountCount) * UInt64(job.chunkPlan.scenarios) * 8
        status.mergeSeconds = job.mergeSeconds
        status.auditedChunks = UInt32(clamping: job.audit.chunksChecked)
        status.auditMismatches = UInt32(clamping: job.audit.mismatches)
        status.quarantinedWorkers = job.audit.quarantinedWorkers
        status.submittedUnixSeconds = job.submittedAt.timeIntervalSince1970
        status.startedUnixSeconds = job.startedAt?.timeIntervalSince1970 ?? 0
        status.finishedUnixSeconds = job.finishedAt?.timeIntervalSince1970 ?? 0
        status.priority = Int32(clamping: job.priority)
        status.chunksResumed = UInt32(clamping: job.chunksResumed)
        status.resultMessages = UInt64(job.resultMessages)
        status.idempotencyKey = job.idempotencyKey ?? ""
        return status
    }

    /// Tells job `id`'s watchers its status: at once when its state changed (queued,
    /// running, finished), else at most once per `statusInterval` (progress held back is
    /// owed, and `publishOwed` sends it).
    mutating func publish(job id: String, now: ContinuousClock.Instant) {
        // The job's parts, read in place (a copy of the job is about thirty retains).
        guard let (watchers, running, finished, last) = withJob(id, { job in
                  (job.watchers, job.phase.isRunning, job.phase.isFinished, job.lastPublished)
              }), !watchers.isEmpty else { return }
        if !finished, let last, last.running == running, now - last.at < configuration.statusInterval {
            withJob(id) { $0.statusOwed = true }
            return
        }
        guard let status = status(of: id, now: now) else { return }
        for watcher in watchers.values {
            watcher.yield(status)
            if finished { watcher.finish() }
        }
        withJob(id) { job in
            job.lastPublished = (now, running)
            job.statusOwed = false
        }
    }

    /// Live-worker counts changed: every watcher hears it.
    mutating func publishAll(now: ContinuousClock.Instant) {
        for (id, job) in jobs where !job.watchers.isEmpty { publish(job: id, now: now) }
    }

    /// Sends the progress `publish` held back (the coordinator's timer calls this).
    mutating func publishOwed(now: ContinuousClock.Instant) {
        // Held back only while a job runs (an ending job publishes at once).
        for id in schedulingOrder() where withJob(id, \.statusOwed) == true { publish(job: id, now: now) }
    }
}

extension Duration {
    var seconds: Double { self / .seconds(1) }
}
