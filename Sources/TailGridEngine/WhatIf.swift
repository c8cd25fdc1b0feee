import TailGridMarket

/// What-if margin: an account's risk and margin before and after some trades, with common
/// random numbers.
///
/// Both runs price the account alone (its positions, collateral and margin policy are all
/// its margin depends on) with the job's seed, factors and correlation, so scenario s is
/// the same market move in both: the difference is the trades' effect, not Monte Carlo
/// noise. The "after" run is exactly a run of the job holding only the account with the
/// trades added. The "before" figures equal the full job's for the account to the
/// rounding of the aggregation (the full book may sum an account's positions by dgemm).
///
/// The trades settle at their mark (the pricer's value now) in USD cash, as an order filled
/// at mark would: the account's USD balance moves by -sum q V, so equity is unchanged and
/// only the risk moves. A USD balance does not move in the scenarios.
public struct WhatIf: Sendable {
    public let before: AccountRisk
    public let after: AccountRisk
    /// The USD the trades' settlement at mark moved: -sum q V.
    public let cashMoved: Double

    /// The trades' change in initial margin, after - before.
    public var initialMarginChange: Double { after.margin.initialMargin - before.margin.initialMargin }

    /// Computes both; `trades` are appended to the positions of account `index` of `job`.
    /// `plan` builds each one-account job's plan (`ServedBook` gives plans that read the
    /// book's instrument P&L).
    public init(job: EngineJob, account index: Int, trades: [Account.Position], threads: Int,
                plan: (EngineJob) throws(EngineError) -> EnginePlan = { job throws(EngineError) in try EnginePlan(job) }) throws(EngineError) {
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
        self.cashMoved = -cost
        self.before = try LocalRunner(plan: try plan(alone), threads: threads).run().accounts[0]
        self.after = try LocalRunner(plan: try plan(traded), threads: threads).run().accounts[0]
    }
}
