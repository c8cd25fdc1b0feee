import Foundation
import Synchronization
import TailGridNumerics

/// Runs a plan on this machine: `threads` threads pull chunks from a shared queue, each
/// adding to its own exact moments and offering tail candidates to tails they share
/// (`SharedTails`), so the result is the same bits for any thread count, and the same as
/// a cluster's merge of chunk summaries.
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

    /// Computes every chunk; `progress` is called after each chunk with the number done,
    /// from the computing thread.
    ///
    /// The shared tails admit from the pilot's floors (`PilotFloors`), then from their
    /// own bar (the k-th largest loss offered so far). Which losses are offered depends on
    /// timing, the result does not: a loss below the bar could never be in the final tail.
    /// Should a pilot floor prove too high (a chance below 1e-12 per account), the job is
    /// computed again without pilot floors.
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

    /// Every loss row's summary: every scenario computed from the pilot floors, or again
    /// without them if one did not hold.
    func summaries(progress: (@Sendable (Int, Int) -> Void)?) throws(EngineError) -> [AccountLossSummary] {
        BLAS.setThreadCount(1)
        let floors = pilotFloors.floors(for: plan, threads: threads)
        // Worth a walk of the heap only when the tails will be large (a what-if's one
        // account or a backtest's daily book would pay it for nothing).
        if SharedTails.bytes(for: plan) >= FreedMemory.worthReturningBefore { FreedMemory.returnToSystem() }
        if let summaries = compute(pilotFloors: floors, progress: progress) { return summaries }
        return compute(pilotFloors: nil, progress: progress) ?? []
    }

    /// Computes every scenario: each thread takes pieces of work (`LocalWorkPieces`), adds
    /// their losses to its own moments and offers tail candidates to tails all threads
    /// share (`SharedTails`), which start from `pilotFloors`; the threads' moments are
    /// merged at the end. Moments and tails are exact, so the result is the same bits for
    /// any thread count and timing, and the same as a cluster's merge of chunk summaries.
    /// Nil when some row's pilot floor proved above its k-th largest loss: its tail then
    /// holds fewer than min(k, count) losses (see `SummaryMerger.floorsHeld`).
    func compute(pilotFloors: [Double]?, progress: (@Sendable (Int, Int) -> Void)?) -> [AccountLossSummary]? {
        let plan = self.plan
        let rowCount = plan.lossRowCount
        let chunkCount = plan.chunks.chunkCount
        let capacity = SharedTails.capacity(for: plan)
        let tails = SharedTails(plan: plan, floors: pilotFloors)
        let work = LocalWorkPieces(chunks: plan.chunks, threads: Swift.min(threads, chunkCount))
        let state = Mutex(RunState())
        EngineThreads.run(count: Swift.min(threads, work.pieces.count)) {
            let computer = ChunkComputer(plan: plan)
            var moments = plan.histogramLayouts.map { LossMoments(histogramLayout: $0) }
            let held = HeldCandidates(rows: rowCount, floors: pilotFloors, tails: tails)
            while true {
                let piece: LocalWorkPieces.Piece? = state.withLock { state in
                    guard state.next < work.pieces.count else { return nil }
                    state.next += 1
                    return work.pieces[state.next - 1]
                }
                guard let piece else { break }
                moments.withUnsafeMutableBufferPointer { moments in
                    computer.accumulate(piece.range, into: moments, held: held)
                }
                let done: Int? = state.withLock { state in
                    if let pieceCount = work.piecesPerCutChunk[piece.chunk] {
                        state.piecesDone[piece.chunk, default: 0] += 1
                        guard state.piecesDone[piece.chunk] == pieceCount else { return nil }
                    }
                    state.chunksDone += 1
                    return state.chunksDone
                }
                if let done { progress?(done, chunkCount) }
            }
            held.offerAll()
            state.withLock { $0.moments.append(moments) }
        }
        // Into the first thread's moments, each other thread's freed once merged (taken out
        // of the state, so none is shared and nothing is copied).
        var threadMoments = state.withLock { state in
            var taken: [[LossMoments]] = []
            swap(&taken, &state.moments)
            return taken
        }
        var moments = threadMoments.popLast() ?? plan.histogramLayouts.map { LossMoments(histogramLayout: $0) }
        while let other = threadMoments.popLast() {
            for row in 0..<rowCount { moments[row].merge(other[row]) }
        }
        let ranked = tails.takeRankedTails(threads: threads)
        var summaries: [AccountLossSummary] = []
        summaries.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            let summary = moments[row].summary(tail: ranked[row])
            if let floor = pilotFloors?[row], floor > -.infinity, summary.tail.count < Swift.min(capacity, summary.count) {
                return nil
            }
            summaries.append(summary)
        }
        return summaries
    }

    struct RunState: ~Copyable {
        /// The next piece to hand out.
        var next = 0
        /// Chunks whose every piece is done, and pieces done of each cut chunk.
        var chunksDone = 0
        var piecesDone: [Int: Int] = [:]
        /// Each finished thread's moments.
        var moments: [[LossMoments]] = []
    }
}
