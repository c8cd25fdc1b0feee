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
    /// The shared tails admit from the pilot's floors (`PilotFloors`), raised after each
    /// stage of chunks (`StagedFloors`), and from their own bar (the k-th largest loss
    /// offered so far). Which losses are offered depends on timing, the result does not: a
    /// loss below the bar could never be in the final tail. Should a floor prove too high
    /// (a chance below 2e-12 per account), the job is computed again without floors.
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
    /// merged at the end. With pilot floors the chunks go in stages (`StagedFloors`), after
    /// each of which the floors rise to what the scenarios so far allow. Moments and tails
    /// are exact, so the result is the same bits for any thread count and timing, and the
    /// same as a cluster's merge of chunk summaries. Nil when some row's floor proved above
    /// its k-th largest loss (`StagedFloors.held`).
    func compute(pilotFloors: [Double]?, progress: (@Sendable (Int, Int) -> Void)?) -> [AccountLossSummary]? {
        let plan = self.plan
        let rowCount = plan.lossRowCount
        let chunkCount = plan.chunks.chunkCount
        let capacity = SharedTails.capacity(for: plan)
        let tails = SharedTails(plan: plan, floors: pilotFloors)
        let state = Mutex(RunState())
        let stages = pilotFloors == nil ? [0..<chunkCount] : StagedFloors.stages(of: plan.chunks)
        var floors = pilotFloors
        for (stageIndex, stage) in stages.enumerated() {
            // A stage that ends early is cut among every thread, so that none waits at its end.
            let work = LocalWorkPieces(chunks: plan.chunks, chunkRange: stage,
                                       threads: stageIndex < stages.count - 1 ? threads : Swift.min(threads, stage.count))
            let startingFloors = floors
            state.withLock { $0.next = 0 }
            EngineThreads.run(count: Swift.min(threads, work.pieces.count)) {
                // A thread's computer, moments and held candidates last the whole run: a
                // stage's thread takes those a thread of an earlier stage left.
                let worker = state.withLock { $0.idle.popLast() }
                    ?? Worker(plan: plan, floors: startingFloors, tails: tails)
                while true {
                    let piece: LocalWorkPieces.Piece? = state.withLock { state in
                        guard state.next < work.pieces.count else { return nil }
                        state.next += 1
                        return work.pieces[state.next - 1]
                    }
                    guard let piece else { break }
                    worker.moments.withUnsafeMutableBufferPointer { moments in
                        worker.computer.accumulate(piece.range, into: moments, held: worker.held)
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
                worker.held.offerAll()
                state.withLock { $0.idle.append(worker) }
            }
            guard stageIndex < stages.count - 1, let current = floors else { continue }
            floors = raise(current, after: stage, stageCount: stages.count - 1, tails: tails,
                           workers: state.withLock { $0.idle })
        }
        // Into the first thread's moments, each other thread's freed once merged (taken out
        // of the state, so none is shared and nothing is copied).
        var workers = state.withLock { state in
            var taken: [Worker] = []
            swap(&taken, &state.idle)
            return taken
        }
        var moments = workers.popLast()?.takeMoments() ?? plan.histogramLayouts.map { LossMoments(histogramLayout: $0) }
        while let other = workers.popLast()?.takeMoments() {
            for row in 0..<rowCount { moments[row].merge(other[row]) }
        }
        let ranked = tails.takeRankedTails(threads: threads)
        var summaries: [AccountLossSummary] = []
        summaries.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            let summary = moments[row].summary(tail: ranked[row])
            if let floor = floors?[row], floor > -.infinity,
               !StagedFloors.held(tail: summary.tail, count: summary.count, capacity: capacity, floor: floor) {
                return nil
            }
            summaries.append(summary)
        }
        return summaries
    }

    /// The floors after `stage` (its threads done, their candidates offered), raised in
    /// `tails` and in each worker's held candidates: `StagedFloors.raised` from the rows'
    /// kept losses at the stage's rank and their finite counts so far.
    private func raise(_ floors: [Double], after stage: Range<Int>, stageCount: Int, tails: SharedTails,
                       workers: [Worker]) -> [Double] {
        let scenarios = Int(plan.chunks.range(ofChunk: stage.upperBound - 1).upperBound)
        guard let rank = StagedFloors.rank(scenarios: scenarios, plan: plan, stageCount: stageCount) else { return floors }
        var finiteCounts = [Int](repeating: 0, count: plan.lossRowCount)
        for worker in workers {
            for row in finiteCounts.indices { finiteCounts[row] += worker.moments[row].count }
        }
        let raised = StagedFloors.raised(floors, keptLosses: tails.keptLosses(ranked: rank, threads: threads),
                                         finiteCounts: finiteCounts, scenarios: scenarios)
        tails.raiseFloors(raised)
        for worker in workers { worker.held.raiseBars(to: raised) }
        return raised
    }

    /// One computing thread's state, handed from stage to stage: used by one thread at a
    /// time (hence `@unchecked`).
    final class Worker: @unchecked Sendable {
        let computer: ChunkComputer
        var moments: [LossMoments]
        let held: HeldCandidates

        init(plan: EnginePlan, floors: [Double]?, tails: SharedTails) {
            computer = ChunkComputer(plan: plan)
            moments = plan.histogramLayouts.map { LossMoments(histogramLayout: $0) }
            held = HeldCandidates(rows: plan.lossRowCount, floors: floors, tails: tails)
        }

        /// The moments, leaving none.
        func takeMoments() -> [LossMoments] {
            var taken: [LossMoments] = []
            swap(&taken, &moments)
            return taken
        }
    }

    struct RunState: ~Copyable {
        /// The next piece of the stage to hand out.
        var next = 0
        /// Chunks whose every piece is done, and pieces done of each cut chunk.
        var chunksDone = 0
        var piecesDone: [Int: Int] = [:]
        /// The state of each thread that finished its stage.
        var idle: [Worker] = []
    }
}
