import TailGridMarket

/// What-if margin: an account's risk and margin before and after some trades, with common
/// random numbers.
///
/// Both runs price the account alone (its positions, collateral and margin policy are all
/// its margin depends on) with the job's seed, factors and correlation, so scenario s is
/// the same market move in both: the difference is the trades' effect, not Monte Carlo
/// noise. The "after" run is exactly a run of the job holding only the account with the
/// trades added. Given the book's order (`BookOrder`), the account's plans sum its
/// positions in the book's instrument order (dense and sparse layouts sum alike): then
/// "before" is the full run's figures for the account bit for bit, and "after" a full
/// run's with the trades added, whatever the book's density.
///
/// The trades settle at their mark (the pricer's value now) in USD cash, as an order filled
/// at mark would: the account's USD balance moves by -sum q V, so equity is unchanged and
/// only the risk moves. A USD balance does not move in the scenarios.
public struct WhatIf: Sendable {
    public let before: AccountRisk
    public let after: AccountRisk
    /// The USD the trades' settlement at mark moved: -sum q V.
    public let cashMoved: Double

    /// How a book orders its instruments: each instrument's index in the book's plan
    /// (first appearance), and where each account's own new instruments start.
    public struct BookOrder: Sendable {
        public let rank: [String: Int]
        public let accountStarts: [Int]

        public init(plan: EnginePlan) {
            var rank: [String: Int] = [:]
            for (index, pricer) in plan.evaluator.instruments.enumerated() where rank[pricer.instrument.name] == nil {
                rank[pricer.instrument.name] = index
            }
            self.rank = rank
            self.accountStarts = plan.accountStarts
        }

        /// The ranks a plan of account `index` alone (with or without trades) orders its
        /// instruments by: those the accounts before it hold keep the book's index, and
        /// `EnginePlan` puts the account's others after them in the order the account
        /// holds them, as the book's plan (with the trades, a book holding them there) does.
        func rank(at index: Int) -> [String: Int] {
            let start = index < accountStarts.count ? accountStarts[index] : rank.count
            return rank.filter { $0.value < start }
        }
    }

    /// The trades' change in initial margin, after - before.
    public var initialMarginChange: Double { after.margin.initialMargin - before.margin.initialMargin }

    /// The two one-account jobs a what-if compares (the account alone, as it is and with
    /// the trades settled at mark), and the ranks their plans order instruments by.
    public struct Question: Sendable {
        public let before: EngineJob
        public let after: EngineJob
        public let rank: [String: Int]?
        /// The USD the trades' settlement at mark moved: -sum q V.
        public let cashMoved: Double

        /// `trades` appended to the positions of account `index` of `job`, whose plan
        /// orders instruments as `order` says (nil: the account's own order).
        public init(job: EngineJob, account index: Int, trades: [Account.Position], order: BookOrder? = nil) throws(EngineError) {
            guard job.accounts.indices.contains(index) else {
                throw EngineError(.invalidJob, "no account at index \(index)")
            }
            var alone = job
            alone.accounts = [job.accounts[index]]
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
            self.before = alone
            self.after = traded
            self.rank = order?.rank(at: index)
            self.cashMoved = -cost
        }
    }

    /// The answer from both runs' risks.
    public init(before: AccountRisk, after: AccountRisk, cashMoved: Double) {
        self.before = before
        self.after = after
        self.cashMoved = cashMoved
    }

    /// Computes both; `trades` are appended to the positions of account `index` of `job`,
    /// whose plan orders instruments as `order` says (nil: the account's own order). `plan`
    /// builds each one-account job's plan with an instrument rank (`ServedBook` gives
    /// plans that read the book's instrument P&L).
    public init(job: EngineJob, account index: Int, trades: [Account.Position], threads: Int, order: BookOrder? = nil,
                plan: (EngineJob, [String: Int]?) throws(EngineError) -> EnginePlan = { job, rank throws(EngineError) in
                    try EnginePlan(job, instrumentRank: rank)
                }) throws(EngineError) {
        let question = try Question(job: job, account: index, trades: trades, order: order)
        self.init(before: try LocalRunner(plan: try plan(question.before, question.rank), threads: threads).run().accounts[0],
                  after: try LocalRunner(plan: try plan(question.after, question.rank), threads: threads).run().accounts[0],
                  cashMoved: question.cashMoved)
    }
}
