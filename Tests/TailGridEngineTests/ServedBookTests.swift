import Testing
import TailGridEngine
import TailGridMarket

/// A book held in memory (`ServedBook`): a what-if that reads the held instrument P&L is
/// the bits of `WhatIf` run from scratch (the account alone with the trades), for trades
/// in held instruments and in one the book does not hold (which prices as usual), with a
/// dependence stress (three evaluators, three stores), stress scenarios and a
/// coin-margined account.
@Suite struct ServedBookTests {
    static func plan(aggregation: PositionMatrix.Mode = .automatic) throws -> EnginePlan {
        let grid = StressGrid(spotRange: 0.2, spotSteps: 4, volUp: 0.3, volDown: 0.2, dtePower: 0.5,
                              extended: [-0.66], extendedWeight: 0.33)
        var job = try Fixtures.job(accounts: [
            try StressTestTests.account("straddle", [("BTC-28MAR25-97000-C", -1), ("BTC-28MAR25-97000-P", -1)]),
            try StressTestTests.account("perp", [("ETH_USDC-PERPETUAL", 3), ("BTC-28MAR25-130000-C", 2)]),
            Account(id: "coin", collateral: [Account.Collateral(currency: "BTC", amount: 2)],
                    positions: [try Fixtures.position("BTC-28MAR25-97000-C", -0.5)], marginCoin: "BTC"),
        ], scenarios: 6000, chunkSize: 1024)
        job.stress = StressTest(scenarios: grid.scenarios(symbols: ["BTC", "ETH"]))
        job.dependence = DependenceStress(confidence: 0.995)  // portfolio collateral is the default
        job.aggregation = aggregation
        return try EnginePlan(job)
    }

    @Test func aServedWhatIfIsTheWhatIfRunFromScratch() throws {
        let plan = try Self.plan()
        let book = ServedBook(plan: plan, threads: 2)
        #expect(book.stores.count == 3)
        #expect(book.bytes >= 3 * 6144 * 8 * plan.evaluator.instruments.count)
        let tradeSets: [[Account.Position]] = [
            [try Fixtures.position("BTC-28MAR25-97000-P", 1)],
            [try Fixtures.position("ETH_USDC-PERPETUAL", -2), try Fixtures.position("BTC-28MAR25-130000-C", -1)],
            [try Fixtures.position("BTC-28MAR25-110000-C", -3)],
            [],
        ]
        for account in 0..<3 {
            for trades in tradeSets {
                let served = try book.whatIf(account: account, trades: trades)
                let scratch = try WhatIf(job: plan.job, account: account, trades: trades, threads: 1,
                                         order: WhatIf.BookOrder(plan: plan))
                #expect(served.before == scratch.before, "account \(account) before")
                #expect(served.after == scratch.after, "account \(account) after \(trades.map(\.instrument.name))")
                #expect(served.cashMoved.bitPattern == scratch.cashMoved.bitPattern)
            }
        }
        // The margin moved: the trades are not ignored.
        let moved = try book.whatIf(account: 0, trades: [try Fixtures.position("BTC-28MAR25-97000-C", 1)])
        #expect(moved.after.margin.initialMargin != moved.before.margin.initialMargin)
        // Held instruments are read, not priced; an instrument the book lacks is priced.
        var alone = plan.job
        alone.accounts = [plan.job.accounts[1]]
        #expect(try EnginePlan(alone, reading: book.stores).evaluators.allSatisfy(\.readsStoredProfits))
        alone.accounts = [Account(id: "new", collateral: [], positions: [try Fixtures.position("BTC-28MAR25-110000-C", 1)])]
        #expect(try EnginePlan(alone, reading: book.stores).evaluators.allSatisfy { !$0.readsStoredProfits })
    }

    /// The served what-if is the full run's, whichever layout sums the book: "before" is
    /// the account's figures in a run of the whole book, and "after" its figures in a
    /// run of the whole book with the trades added (settled at mark in USD cash), bit for
    /// bit: the account's plans sum its positions in the book's instrument order, and the
    /// dense layout sums as the sparse rows do.
    @Test(arguments: [PositionMatrix.Mode.sparse, .dense])
    func itIsTheFullRerun(aggregation: PositionMatrix.Mode) throws {
        let plan = try Self.plan(aggregation: aggregation)
        #expect(plan.evaluator.positions.layout == (aggregation == .dense ? .dense : .sparse))
        let book = ServedBook(plan: plan, threads: 2)
        let full = try LocalRunner(plan: plan, threads: 2).run()
        let trades = [try Fixtures.position("BTC-28MAR25-130000-C", -1), try Fixtures.position("BTC-28MAR25-110000-C", 2),
                      try Fixtures.position("ETH_USDC-PERPETUAL", 1)]
        for account in 0..<3 {
            let served = try book.whatIf(account: account, trades: trades)
            #expect(served.before == full.accounts[account], "account \(account) before")
            var traded = plan.job
            let holder = traded.accounts[account]
            traded.accounts[account] = Account(id: holder.id,
                                               collateral: holder.collateral + [Account.Collateral(currency: "USD", amount: served.cashMoved)],
                                               positions: holder.positions + trades, marginCoin: holder.marginCoin)
            let rerun = try LocalRunner(plan: try EnginePlan(traded), threads: 2).run()
            #expect(served.after == rerun.accounts[account], "account \(account) after")
        }
    }
}
