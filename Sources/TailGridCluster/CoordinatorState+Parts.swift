import Foundation
import TailGridEngine
import TailGridProtocol

/// Result parts: a unit's result arrives split by accounts over several messages; each
/// part is decoded and checked against the job, the lease's unit and the parts before it,
/// kept until the last, and the whole result delivered (`deliver`). A part that breaks
/// the protocol fails the lease as malformed, an offence against the worker.
extension CoordinatorState {
    /// What a part left: more parts to come, or the unit's whole result.
    enum PartOutcome {
        case more(PartialResult)
        case whole(WorkUnitResult)
    }

    /// Receives a part of lease `id`'s result from `workerID`; `add` decodes it onto what
    /// came before (nil for the first part), which it takes (`take()`): held nowhere else,
    /// the arrays grow in place, where a copy left in `partials` made every part copy all
    /// the accounts before it. A part of a revoked or expired lease is not needed and is
    /// dropped.
    mutating func receivePart(lease id: UInt64, from workerID: UInt64, bytes: Int, now: ContinuousClock.Instant,
                              _ add: (Job, WorkUnits.Unit, inout PartialResult?) throws(ClusterError) -> PartOutcome) {
        guard let lease = leases[id], lease.worker == workerID, let outcome = decodePart(of: lease, add) else { return }
        switch outcome {
        case .success(.more(let partial)):
            workers[workerID]?.partials[id] = partial
            workers[workerID]?.partialBytes[id, default: 0] += bytes
        case .success(.whole(let result)):
            deliver(lease: lease, result, bytes: bytes, now: now)
        case .failure(let error):
            failLease(id, reason: "rejected a malformed result from worker \(workerID): \(error.message)", cause: .malformed, now: now)
            dispatch(now: now)
        }
    }

    /// Decodes a part of `lease`'s result onto the parts before it (taken out of
    /// `partials`); nil when the lease's job no longer has the unit. A function of its
    /// own: the copy of the job it reads ends when it returns. Held across `deliver`, that
    /// copy shared the merger's storage with the merge, which then copied every account's
    /// summary and gave every tail it merged new memory, for every chunk.
    private mutating func decodePart(of lease: Lease, _ add: (Job, WorkUnits.Unit, inout PartialResult?) throws(ClusterError) -> PartOutcome)
        -> Result<PartOutcome, ClusterError>? {
        guard let job = jobs[lease.job], job.work != nil, lease.chunk < job.units.count else { return nil }
        var before = workers[lease.worker]?.partials.removeValue(forKey: lease.id)
        do throws(ClusterError) {
            return .success(try add(job, job.units.unit(lease.chunk), &before))
        } catch {
            return .failure(error)
        }
    }

    /// A part of a chunk's summary.
    mutating func receive(_ part: Tailgrid_V1_ChunkResultPart, bytes: Int, from workerID: UInt64, now: ContinuousClock.Instant) {
        recordComputeSeconds(part, from: workerID)
        receivePart(lease: part.leaseID, from: workerID, bytes: bytes, now: now) { job, unit, partial throws(ClusterError) in
            guard case .scenarios(let range) = unit, let layouts = job.work?.plan.histogramLayouts else {
                throw ClusterError(.protocolViolation, "a chunk summary answers another kind of unit")
            }
            var accounts: [AccountLossSummary] = []
            if case .summaries(let received)? = partial.take() { accounts = received }
            accounts.reserveCapacity(layouts.count)
            guard Int(part.firstAccount) == accounts.count else {
                throw ClusterError(.protocolViolation, "result part starts at account \(part.firstAccount), expected \(accounts.count)")
            }
            guard part.accounts.count <= layouts.count - accounts.count else {
                throw ClusterError(.protocolViolation, "result has more accounts than the job")
            }
            for message in part.accounts {
                accounts.append(try Wire.summary(message, layout: layouts[accounts.count], compactBase: range.lowerBound))
            }
            return part.last ? .whole(.scenarios(ChunkSummary(scenarios: range, accounts: accounts))) : .more(.summaries(accounts))
        }
    }

    /// A part of a stress batch's losses.
    mutating func receive(_ part: Tailgrid_V1_StressResultPart, bytes: Int, from workerID: UInt64, now: ContinuousClock.Instant) {
        receivePart(lease: part.leaseID, from: workerID, bytes: bytes, now: now) { job, unit, partial throws(ClusterError) in
            guard case .stress(let range) = unit else {
                throw ClusterError(.protocolViolation, "stress losses answer another kind of unit")
            }
            var losses: [Double] = []
            if case .stress(let received)? = partial.take() { losses = received }
            try Wire.appendStressPart(part, to: &losses, width: range.count, accounts: job.accountCount)
            return part.last ? .whole(.stress(StressBatch(scenarios: range, losses: losses))) : .more(.stress(losses))
        }
    }

    /// A part of a replay's sums.
    mutating func receive(_ part: Tailgrid_V1_ReplayResultPart, bytes: Int, from workerID: UInt64, now: ContinuousClock.Instant) {
        receivePart(lease: part.leaseID, from: workerID, bytes: bytes, now: now) { job, unit, partial throws(ClusterError) in
            // A replay's lease exists only once the merge gave the replay its shape.
            guard case .replay(let range) = unit, let shape = job.work?.replay?.shape else {
                throw ClusterError(.protocolViolation, "a replay answers another kind of unit")
            }
            var replay = shape
            var filled = 0
            if case .replay(let received, let count)? = partial.take() {
                replay = received
                filled = count
            }
            guard Int(part.firstAccount) == filled, part.accounts.count <= replay.counts.count - filled else {
                throw ClusterError(.protocolViolation, "replay part starts at account \(part.firstAccount) with \(part.accounts.count) accounts, expected \(filled) of \(replay.counts.count)")
            }
            for message in part.accounts {
                try Wire.decode(message, slot: filled, into: &replay, range: range)
                filled += 1
            }
            guard part.last else { return .more(.replay(replay, filled: filled)) }
            guard filled == replay.counts.count else {
                throw ClusterError(.protocolViolation, "replay ends after \(filled) of \(replay.counts.count) accounts")
            }
            return .whole(.replay(replay))
        }
    }
}
