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

    /// Merges the summary of chunk `index`, computed with the admission `floors` it was
    /// given (nil: none); returns false (and ignores it) if that chunk was merged already.
    /// A summary that breaks any rule of `SummaryCheck` is refused whole.
    @discardableResult
    public mutating func merge(chunk index: Int, _ summary: ChunkSummary, floors: [Double]? = nil) throws(EngineError) -> Bool {
        try check(chunk: index, summary, floors: floors)
        guard mergedChunks.insert(index).inserted else { return false }
        for (account, part) in summary.accounts.enumerated() {
            accounts[account].merge(part, tailCapacity: tailCapacity)
        }
        return true
    }

    /// Checks a summary of chunk `index` without merging it.
    public func check(chunk index: Int, _ summary: ChunkSummary, floors: [Double]?) throws(EngineError) {
        guard index >= 0, index < plan.chunkCount, summary.scenarios == plan.range(ofChunk: index) else {
            throw EngineError(.inconsistentSummary, "summary for scenarios \(summary.scenarios) is not chunk \(index) of this job")
        }
        guard summary.accounts.count == accounts.count else {
            throw EngineError(.inconsistentSummary, "summary has \(summary.accounts.count) accounts, the job \(accounts.count)")
        }
        guard floors == nil || floors?.count == accounts.count else {
            throw EngineError(.inconsistentSummary, "\(floors?.count ?? 0) floors for \(accounts.count) accounts")
        }
        for (account, part) in summary.accounts.enumerated() {
            do throws(EngineError) {
                try SummaryCheck.check(part, scenarios: summary.scenarios, layout: accounts[account].histogram.layout,
                                       tailCapacity: tailCapacity, floor: floors?[account] ?? -.infinity)
            } catch {
                throw EngineError(.inconsistentSummary, "summary of chunk \(index), account \(account): \(error.message)")
            }
        }
    }

    public var isComplete: Bool { mergedChunks.count == plan.chunkCount }

    /// Per account, the loss a new tail entry must reach to matter: the smallest kept loss
    /// once the tail is full, -infinity before. It only rises as chunks merge.
    public var admissionFloors: [Double] {
        accounts.map { $0.tail.count >= tailCapacity ? $0.tail[tailCapacity - 1].loss : -.infinity }
    }
}
