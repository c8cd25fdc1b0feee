import Foundation
import Synchronization
import TailGridNumerics

/// Runs a plan on this machine: `threads` threads pull chunks from a shared queue, and
/// the summaries are merged exactly, so the result is the same bits for any thread count.
public struct LocalRunner: Sendable {
    public let plan: EnginePlan
    public let threads: Int
    public let pilotFloors: PilotFloors.Source

    public init(plan: EnginePlan, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                pilotFloors: PilotFloors.Source = .pilot) {
        precondition(threads > 0)
        self.plan = plan
        self.threads = threads
        self.pilotFloors = pilotFloors
    }

    /// Computes every chunk and merges each as it finishes; `progress` is called after each
    /// chunk with the number done, from the computing thread.
    ///
    /// Each chunk starts with the merge's current admission floors (see
    /// `SummaryMerger.admissionFloors`), the pilot's (`PilotFloors`) until the merged
    /// tails are full, so every chunk ships only losses that can still enter the tails.
    /// The floors depend on timing, the result does not: a loss below a floor could never
    /// be in the final tail. Should a pilot floor prove too high (a chance below 1e-12 per
    /// account), the job is computed again without pilot floors.
    public func run(progress: (@Sendable (Int, Int) -> Void)? = nil) throws(EngineError) -> EngineResult {
        try EngineResult(plan: plan, summaries: summaries(progress: progress))
    }

    /// Runs the job, then explains `accounts` (indices; nil: every account) by replaying
    /// their tail scenarios on the same threads (`TailAttribution`).
    public func run(explaining accounts: [Int]?, progress: (@Sendable (Int, Int) -> Void)? = nil)
        throws(EngineError) -> (result: EngineResult, explanations: [AccountExplanation]) {
        let merged = try summaries(progress: progress)
        let stress = plan.job.stress.losses(plan: plan)
        let result = try EngineResult(plan: plan, summaries: merged, stress: stress)
        let explanations = try TailAttribution(plan: plan).explain(
            accounts: accounts ?? Array(plan.job.accounts.indices), tails: Self.tails(merged, plan: plan), stress: stress,
            threads: threads)
        return (result, explanations)
    }

    /// Every account's merged tail (largest first, the base rows), as `TailAttribution`
    /// takes them.
    public func tails(progress: (@Sendable (Int, Int) -> Void)? = nil) throws(EngineError) -> [[TailLoss]] {
        Self.tails(try summaries(progress: progress), plan: plan)
    }

    static func tails(_ summaries: [AccountLossSummary], plan: EnginePlan) -> [[TailLoss]] {
        Array(summaries.prefix(plan.job.accounts.count).map(\.tail))
    }

    /// Every loss row's summary of the complete merge, taken from the merger (no copy of
    /// the tails).
    func summaries(progress: (@Sendable (Int, Int) -> Void)?) throws(EngineError) -> [AccountLossSummary] {
        var merger = try mergeAll(progress: progress)
        guard merger.isComplete else {
            throw EngineError(.inconsistentSummary, "only \(merger.mergedChunks.count) of \(plan.chunks.chunkCount) chunks merged")
        }
        return merger.takeSummaries()
    }

    /// Every chunk merged, from the pilot floors, or without them if they did not hold.
    func mergeAll(progress: (@Sendable (Int, Int) -> Void)?) throws(EngineError) -> SummaryMerger {
        BLAS.setThreadCount(1)
        let merger = try merge(pilotFloors: pilotFloors.floors(for: plan), progress: progress)
        if merger.pilotFloorsHeld { return merger }
        return try merge(pilotFloors: nil, progress: progress)
    }

    /// Computes and merges every chunk, starting from `pilotFloors`; the last chunks may
    /// be computed in pieces (`LocalWorkPieces`).
    func merge(pilotFloors: [Double]?, progress: (@Sendable (Int, Int) -> Void)?) throws(EngineError) -> SummaryMerger {
        let plan = self.plan
        let chunkCount = plan.chunks.chunkCount
        let work = LocalWorkPieces(chunks: plan.chunks, threads: Swift.min(threads, chunkCount))
        // Summaries are checked outside the lock by a copy of the empty merger (the rules
        // read only the plan; the copy shares its storage), so the lock holds only merges.
        let checker = SummaryMerger(plan: plan, pilotFloors: pilotFloors)
        let state = Mutex(RunState(next: 0, done: 0, merger: checker, failure: nil))
        EngineThreads.run(count: Swift.min(threads, work.pieces.count)) {
            let computer = ChunkComputer(plan: plan)
            while true {
                let next: (piece: LocalWorkPieces.Piece, floors: [Double])? = state.withLock { state in
                    guard state.next < work.pieces.count, state.failure == nil else { return nil }
                    let piece = work.pieces[state.next]
                    state.next += 1
                    guard work.piecesPerCutChunk[piece.chunk] != nil else { return (piece, state.merger.admissionFloors) }
                    // Every piece of a cut chunk is computed with the floors its first one got.
                    let floors = state.cutChunkFloors[piece.chunk] ?? state.merger.admissionFloors
                    state.cutChunkFloors[piece.chunk] = floors
                    return (piece, floors)
                }
                guard let next else { break }
                let part = computer.summarize(next.piece.range, floors: next.floors)
                var problem: EngineError?
                var summary: ChunkSummary? = part
                if let pieceCount = work.piecesPerCutChunk[next.piece.chunk] {
                    let parts: [Int: ChunkSummary]? = state.withLock { state in
                        state.cutChunkParts[next.piece.chunk, default: [:]][next.piece.index] = part
                        guard state.cutChunkParts[next.piece.chunk]?.count == pieceCount else { return nil }
                        return state.cutChunkParts.removeValue(forKey: next.piece.chunk)
                    }
                    summary = parts.flatMap { Self.join($0, count: pieceCount, tailCapacity: plan.tailCapacity) }
                    if parts != nil, summary == nil {
                        problem = EngineError(.inconsistentSummary, "the pieces of chunk \(next.piece.chunk) do not join")
                    }
                }
                guard summary != nil || problem != nil else { continue }
                if let summary {
                    do throws(EngineError) {
                        try checker.check(chunk: next.piece.chunk, summary, floors: next.floors)
                    } catch {
                        problem = error
                    }
                }
                let done: Int? = state.withLock { state in
                    if let problem {
                        state.failure = problem
                        return nil
                    }
                    guard let summary else { return nil }
                    state.merger.mergeChecked(chunk: next.piece.chunk, summary)
                    state.done += 1
                    return state.done
                }
                if let done { progress?(done, chunkCount) }
            }
        }
        let (merger, failure) = state.withLock { ($0.merger, $0.failure) }
        if let failure { throw failure }
        return merger
    }

    /// The pieces 0..<count of one chunk, joined in order.
    static func join(_ parts: [Int: ChunkSummary], count: Int, tailCapacity: Int) -> ChunkSummary? {
        guard var joined = parts[0] else { return nil }
        for index in 1..<Swift.max(1, count) {
            guard let part = parts[index], let next = joined.followed(by: part, tailCapacity: tailCapacity) else { return nil }
            joined = next
        }
        return joined
    }

    struct RunState: ~Copyable {
        var next: Int
        var done: Int
        var merger: SummaryMerger
        var failure: EngineError?
        /// The floors of each cut chunk, and its pieces summarised so far.
        var cutChunkFloors: [Int: [Double]] = [:]
        var cutChunkParts: [Int: [Int: ChunkSummary]] = [:]
    }
}
