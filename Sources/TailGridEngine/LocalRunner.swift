import Foundation
import Synchronization
import TailGridNumerics

/// Runs a plan on this machine: `threads` threads pull chunks from a shared queue, and
/// the summaries are merged exactly, so the result is the same bits for any thread count.
public struct LocalRunner: Sendable {
    public let plan: EnginePlan
    public let threads: Int

    public init(plan: EnginePlan, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        precondition(threads > 0)
        self.plan = plan
        self.threads = threads
    }

    /// Computes every chunk and merges them; `progress` is called after each chunk with the
    /// number done, from the computing thread.
    public func run(progress: (@Sendable (Int, Int) -> Void)? = nil) throws(EngineError) -> EngineResult {
        BLAS.setThreadCount(1)
        let plan = self.plan
        let chunkCount = plan.chunks.chunkCount
        let state = Mutex(RunState(next: 0, done: 0, summaries: Array(repeating: nil, count: chunkCount)))
        let workers = Swift.min(threads, chunkCount)
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            let thread = Thread {
                let computer = ChunkComputer(plan: plan)
                while true {
                    let index: Int? = state.withLock { state in
                        guard state.next < chunkCount else { return nil }
                        defer { state.next += 1 }
                        return state.next
                    }
                    guard let index else { break }
                    let summary = computer.summarize(plan.chunks.range(ofChunk: index))
                    let done = state.withLock { state in
                        state.summaries[index] = summary
                        state.done += 1
                        return state.done
                    }
                    progress?(done, chunkCount)
                }
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        var merger = SummaryMerger(plan: plan)
        let summaries = state.withLock { $0.summaries }
        for (index, summary) in summaries.enumerated() {
            try merger.merge(chunk: index, summary!)
        }
        return try EngineResult(plan: plan, merged: merger)
    }

    struct RunState: ~Copyable {
        var next: Int
        var done: Int
        var summaries: [ChunkSummary?]
    }
}
