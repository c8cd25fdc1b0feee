import TailGridMarket

/// A what-if answered by the shards of a book (`BookShard`), on the front that asks them:
/// each shard's loss summaries of the account over its scenarios (`ServedBook.summaries`)
/// are checked like any summary from the wire (`SummaryCheck`, against the shard's own
/// scenario range), joined in scenario order (counts, exact sums and histograms added,
/// tails merged to the top K) and turned into the account's risk as a run's merged
/// summaries are. Exact merging makes the answer the bits of the book held whole.
public struct ShardedWhatIf: Sendable {
    public let question: WhatIf.Question
    public let before: EnginePlan
    public let after: EnginePlan

    /// The plans of the account alone before and after `trades` (priced nowhere: the
    /// shards hold the P&L), ordered as the book (`order`) orders its instruments.
    public init(job: EngineJob, account index: Int, trades: [Account.Position], order: WhatIf.BookOrder) throws(EngineError) {
        question = try WhatIf.Question(job: job, account: index, trades: trades, order: order)
        before = try EnginePlan(question.before, instrumentRank: question.rank)
        after = try EnginePlan(question.after, instrumentRank: question.rank)
    }

    /// The what-if from every shard's answer, `answers[i]` being shard i of `answers.count`.
    public func combine(_ answers: [ServedBook.ShardAnswer]) throws(EngineError) -> WhatIf {
        let before = try EngineResult(plan: before, summaries: Self.joined(answers.map(\.before), plan: before)).accounts[0]
        let after = try EngineResult(plan: after, summaries: Self.joined(answers.map(\.after), plan: after)).accounts[0]
        return WhatIf(before: before, after: after, cashMoved: question.cashMoved)
    }

    /// Each loss row's summary over every scenario, from the shards' summaries in shard
    /// order; refused unless each is a consistent summary of exactly its shard's scenarios.
    static func joined(_ parts: [ChunkSummary], plan: EnginePlan) throws(EngineError) -> [AccountLossSummary] {
        let scenarios = plan.job.scenarios
        var whole: ChunkSummary?
        for (index, part) in parts.enumerated() {
            guard let shard = BookShard(index: index, count: parts.count) else {
                throw EngineError(.inconsistentSummary, "\(parts.count) shard answers: from 1 to \(BookShard.maxCount) make a book")
            }
            let range = shard.scenarios(of: scenarios)
            guard part.scenarios == range, part.accounts.count == plan.lossRowCount else {
                throw EngineError(.inconsistentSummary, "shard \(shard) answered scenarios \(part.scenarios) in \(part.accounts.count) loss rows, not \(range) in \(plan.lossRowCount)")
            }
            var scratch = SummaryCheck.Scratch()
            for (row, summary) in part.accounts.enumerated() {
                do throws(EngineError) {
                    try SummaryCheck.check(summary, scenarios: range, layout: plan.histogramLayouts[row],
                                           tailCapacity: plan.tailCapacity, floor: -.infinity, scratch: &scratch)
                } catch {
                    throw EngineError(.inconsistentSummary, "shard \(shard), loss row \(row): \(error.message)")
                }
            }
            if let previous = whole {
                guard let next = previous.followed(by: part, tailCapacity: plan.tailCapacity) else {
                    throw EngineError(.inconsistentSummary, "shard \(shard) does not follow the shards before it")
                }
                whole = next
            } else {
                whole = part
            }
        }
        guard let whole, whole.scenarios == 0..<UInt64(scenarios) else {
            throw EngineError(.inconsistentSummary, "the shards' answers do not cover the job's \(scenarios) scenarios")
        }
        return whole.accounts
    }
}
