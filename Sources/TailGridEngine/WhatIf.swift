import TailGridMarket

/// What-if margin: an account's risk and margin before and after some trades, with common
/// random numbers.
///
/// Both runs price the account alone (its positions, collateral and margin policy are all
/// its margin depends on) with the job's seed, factors and correlation, so scenario s is
/// the same market move in both: the difference is the trades' effect, not Monte Carlo
/// noise. The "after" run is exactly a run of the job holding only the account with the
/// trades added. Given the book's order (`BookOrder`), the account's plans sum its
/// positions in the book's instrument order and, on a book aggregated sparsely, sparsely
/// too: then "before" is the full run's figures for the account bit for bit, and "after"
/// a full run's with the trades added. A dense book (dgemm over every account) agrees to
/// the rounding of the aggregation.
///
/// The trades settle at their mark (the pricer's value now) in USD cash, as an order filled
/// at mark would: the account's USD balance moves by -sum q V, so equity is unchanged and
/// only the risk moves. A USD balance does not move in the scenarios.
public struct WhatIf: Sendable {
    public let before: AccountRisk
    public let after: AccountRisk
    /// The USD the trades' settlement at mark moved: -sum q V.
    public let cashMoved: Double

    /// How a book orders and sums its instruments: each instrument's index in the book's
    /// plan (first appearance), where each account's own new instruments start, and
    /// whether the plan's rows are sparse.
    public struct BookOrder: Sendable {
        public let rank: [String: Int]
        public let accountStarts: [Int]
        public let sparse: Bool

        public init(plan: EnginePlan) {
            var rank: [String: Int] = [:]
            for (index, pricer) in plan.evaluator.instruments.enumerated() where rank[pricer.instrument.name] == nil {
                rank[pricer.instrument.name] = index
            }
            self.rank = rank
            self.accountStarts = plan.accountStarts
            self.sparse = plan.evaluator.positions.layout == .sparse
        }

        /// The ranks of `account`'s instruments in the book holding it at `index` (with
        /// trades, a book where the traded instruments appear there): an instrument the
        /// accounts before it hold keeps the book's index; the account's others follow in
        /// the order it holds them (collateral coins, then positions), as in the book's plan.
        func rank(of account: Account, at index: Int, job: EngineJob) -> [String: Int] {
            let start = index < accountStarts.count ? accountStarts[index] : rank.count
            var ranks: [String: Int] = [:]
            var next = start
            func see(_ name: String) {
                guard ranks[name] == nil else { return }
                if let known = rank[name], known < start {
                    ranks[name] = known
                } else {
                    ranks[name] = next
                    next += 1
                }
            }
            if job.margin.collateral == .portfolio {
                for collateral in account.collateral {
                    if let coin = (try? job.market.collateralPrice(collateral.currency))?.underlying { see(coin) }
                }
            }
            for position in account.positions { see(position.instrument.name) }
            return ranks
        }
    }

    /// The trades' change in initial margin, after - before.
    public var initialMarginChange: Double { after.margin.initialMargin - before.margin.initialMargin }

    /// Computes both; `trades` are appended to the positions of account `index` of `job`,
    /// whose plan orders instruments as `order` says (nil: the account's own order). `plan`
    /// builds each one-account job's plan with an instrument rank (`ServedBook` gives
    /// plans that read the book's instrument P&L).
    public init(job: EngineJob, account index: Int, trades: [Account.Position], threads: Int, order: BookOrder? = nil,
                plan: (EngineJob, [String: Int]?) throws(EngineError) -> EnginePlan = { job, rank throws(EngineError) in
                    try EnginePlan(job, instrumentRank: rank)
                }) throws(EngineError) {
        guard job.accounts.indices.contains(index) else {
            throw EngineError(.invalidJob, "no account at index \(index)")
        }
        var alone = job
        alone.accounts = [job.accounts[index]]
        if order?.sparse == true { alone.aggregation = .sparse }
        var cost = 0.0
        for trade in trades {
            do {
                cost += trade.quantity * (try InstrumentPricer(instrument: trade.instrument, market: job.market,
                                                                horizonYears: job.horizonYears)).value
            } catch {
                throw EngineError(.invalidJob, "what-if trade \(trade.instrument.name): \(error.message)")
            }
        }
        let holder = job.accounts[index]
        let cash = cost == 0 ? [] : [Account.Collateral(currency: "USD", amount: -cost)]
        var traded = alone
        traded.accounts = [Account(id: holder.id, collateral: holder.collateral + cash, positions: holder.positions + trades,
                                   marginCoin: holder.marginCoin)]
        self.cashMoved = -cost
        self.before = try LocalRunner(plan: try plan(alone, order?.rank(of: alone.accounts[0], at: index, job: job)),
                                      threads: threads).run().accounts[0]
        self.after = try LocalRunner(plan: try plan(traded, order?.rank(of: traded.accounts[0], at: index, job: job)),
                                     threads: threads).run().accounts[0]
    }
}
