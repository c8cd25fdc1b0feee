import TailGridMarket

/// A book held in memory for what-if margin (`tailgrid serve`): the job's plan and, per
/// evaluator (the base, the dependence stress's, the lookback floor's), every
/// instrument's P&L in every scenario (`InstrumentProfits`), computed once.
///
/// A what-if on an account builds the plans `WhatIf` builds (the account alone, before and
/// after the trades) with evaluators that read the held P&L instead of generating and
/// pricing the scenarios, then aggregates, summarises and margins them as any run does:
/// the answer is the bits of `WhatIf` (the account alone with the trades, run from
/// scratch, in the book's order: the full run's figures, and a full rerun's with the
/// trades). A trade in an instrument the book does not hold has no row:
/// that plan prices as usual, and costs what a run of the account costs.
///
/// A shard of a book (`BookShard`) holds a range of its scenarios and answers the account's
/// loss summaries over them (`summaries`); a front merges every shard's (`ShardedWhatIf`).
public struct ServedBook: Sendable {
    public let plan: EnginePlan
    public let stores: [InstrumentProfits]
    public let threads: Int
    /// The book's instrument order, which the account's plans sum in.
    public let order: WhatIf.BookOrder
    public let shard: BookShard
    /// The scenarios held.
    public let scenarios: Range<UInt64>

    /// Evaluates the whole book once on `threads`.
    public init(plan: EnginePlan, threads: Int) {
        self.init(plan: plan, threads: threads, holding: .whole)
    }

    /// Evaluates the shard `shard` of the book on `threads`; refused when the job has fewer
    /// tiles of 256 scenarios than shards.
    public init(plan: EnginePlan, threads: Int, shard: BookShard) throws(EngineError) {
        guard !shard.tiles(scenarios: plan.job.scenarios).isEmpty else {
            throw EngineError(.invalidJob, "shard \(shard) holds no scenarios: \(plan.job.scenarios) scenarios make \(InstrumentProfits.tileCount(scenarios: plan.job.scenarios)) tiles of \(ScenarioTile.size), fewer than \(shard.count) shards")
        }
        self.init(plan: plan, threads: threads, holding: shard)
    }

    private init(plan: EnginePlan, threads: Int, holding shard: BookShard) {
        self.plan = plan
        self.threads = threads
        self.order = WhatIf.BookOrder(plan: plan)
        self.shard = shard
        self.scenarios = shard.scenarios(of: plan.job.scenarios)
        let tiles = shard.tiles(scenarios: plan.job.scenarios)
        self.stores = plan.evaluators.map { InstrumentProfits(evaluator: $0, tiles: tiles, threads: threads) }
    }

    /// Bytes of P&L held.
    public var bytes: Int { stores.reduce(0) { $0 + $1.bytes } }

    /// The account's margin before and after `trades`, with common random numbers (a
    /// whole book only: a shard answers `summaries`).
    public func whatIf(account index: Int, trades: [Account.Position], threads: Int = 1) throws(EngineError) -> WhatIf {
        guard shard.isWhole else {
            throw EngineError(.invalidJob, "this book holds shard \(shard) of the scenarios; ask its front")
        }
        let stores = self.stores
        return try WhatIf(job: plan.job, account: index, trades: trades, threads: threads, order: order) { job, rank throws(EngineError) in
            try EnginePlan(job, reading: stores, instrumentRank: rank)
        }
    }
}

extension ServedBook {
    /// A shard's answer: the account's loss summaries over the shard's scenarios, before
    /// and after the trades, one per loss row of the one-account plan.
    public struct ShardAnswer: Sendable, Equatable {
        public let before: ChunkSummary
        public let after: ChunkSummary

        public init(before: ChunkSummary, after: ChunkSummary) {
            self.before = before
            self.after = after
        }
    }

    /// The account's loss summaries over the scenarios held, before and after `trades`
    /// (no floors: every loss may enter the tail), computed on the calling thread.
    public func summaries(account index: Int, trades: [Account.Position]) throws(EngineError) -> ShardAnswer {
        let question = try WhatIf.Question(job: plan.job, account: index, trades: trades, order: order)
        let before = try EnginePlan(question.before, reading: stores, instrumentRank: question.rank)
        let after = try EnginePlan(question.after, reading: stores, instrumentRank: question.rank)
        return ShardAnswer(before: ChunkComputer(plan: before).summarize(scenarios),
                           after: ChunkComputer(plan: after).summarize(scenarios))
    }
}
