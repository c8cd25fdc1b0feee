import TailGridMarket

/// A book held in memory for what-if margin (`tailgrid serve`): the job's plan and, per
/// evaluator (the base, the dependence stress's, the lookback floor's), every
/// instrument's P&L in every scenario (`InstrumentProfits`), computed once.
///
/// A what-if on an account builds the plans `WhatIf` builds (the account alone, before and
/// after the trades) with evaluators that read the held P&L instead of generating and
/// pricing the scenarios, then aggregates, summarises and margins them as any run does:
/// the answer is the bits of `WhatIf` (the account alone with the trades, run from
/// scratch, in the book's order: on a sparse book, the full run's figures, and a full
/// rerun's with the trades). A trade in an instrument the book does not hold has no row:
/// that plan prices as usual, and costs what a run of the account costs.
public struct ServedBook: Sendable {
    public let plan: EnginePlan
    public let stores: [InstrumentProfits]
    public let threads: Int
    /// The book's instrument order, which the account's plans sum in.
    public let order: WhatIf.BookOrder

    /// Evaluates the whole book once on `threads`.
    public init(plan: EnginePlan, threads: Int) {
        self.plan = plan
        self.threads = threads
        self.order = WhatIf.BookOrder(plan: plan)
        self.stores = plan.evaluators.map { InstrumentProfits(evaluator: $0, scenarios: plan.job.scenarios, threads: threads) }
    }

    /// Bytes of P&L held.
    public var bytes: Int { stores.reduce(0) { $0 + $1.bytes } }

    /// The account's margin before and after `trades`, with common random numbers.
    public func whatIf(account index: Int, trades: [Account.Position], threads: Int = 1) throws(EngineError) -> WhatIf {
        let stores = self.stores
        return try WhatIf(job: plan.job, account: index, trades: trades, threads: threads, order: order) { job, rank throws(EngineError) in
            try EnginePlan(job, reading: stores, instrumentRank: rank)
        }
    }
}
