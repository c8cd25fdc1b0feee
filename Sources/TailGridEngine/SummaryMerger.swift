/// Merges chunk summaries into the job's summary, exactly and in any order. A chunk that
/// arrives twice (a retried or speculative copy) is counted once.
public struct SummaryMerger: Sendable {
    public let plan: ChunkPlan
    public let tailCapacity: Int
    public private(set) var accounts: [AccountLossSummary]
    public private(set) var mergedChunks: Set<Int>

    public init(plan: EnginePlan) {
        self.plan = plan.chunks
        self.tailCapacity = plan.tailCapacity
        self.accounts = plan.histogramLayouts.map { AccountLossSummary(histogramLayout: $0) }
        self.mergedChunks = []
    }

    /// Merges the summary of chunk `index`; returns false (and ignores it) if that chunk was
    /// merged already.
    @discardableResult
    public mutating func merge(chunk index: Int, _ summary: ChunkSummary) throws(EngineError) -> Bool {
        guard index >= 0, index < plan.chunkCount, summary.scenarios == plan.range(ofChunk: index) else {
            throw EngineError(.inconsistentSummary, "summary for scenarios \(summary.scenarios) is not chunk \(index) of this job")
        }
        guard summary.accounts.count == accounts.count else {
            throw EngineError(.inconsistentSummary, "summary has \(summary.accounts.count) accounts, the job \(accounts.count)")
        }
        for (account, part) in summary.accounts.enumerated() {
            guard part.count + part.nonFiniteCount == summary.scenarios.count,
                  part.histogram.layout == accounts[account].histogram.layout,
                  part.tail.count <= tailCapacity,
                  zip(part.tail, part.tail.dropFirst()).allSatisfy({ $0.ranksBefore($1) }),
                  part.tail.allSatisfy({ summary.scenarios.contains($0.scenario) })
            else {
                throw EngineError(.inconsistentSummary, "summary of chunk \(index) is malformed for account \(account)")
            }
        }
        guard mergedChunks.insert(index).inserted else { return false }
        for (account, part) in summary.accounts.enumerated() {
            accounts[account].merge(part, tailCapacity: tailCapacity)
        }
        return true
    }

    public var isComplete: Bool { mergedChunks.count == plan.chunkCount }

    /// Per account, the loss a new tail entry must reach to matter: the smallest kept loss
    /// once the tail is full, -infinity before. It only rises as chunks merge.
    public var admissionFloors: [Double] {
        accounts.map { $0.tail.count >= tailCapacity ? $0.tail[tailCapacity - 1].loss : -.infinity }
    }
}
