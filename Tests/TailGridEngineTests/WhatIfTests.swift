import Foundation
import Testing
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// What-if margin with common random numbers (`WhatIf`).
@Suite struct WhatIfTests {
    /// Adding a trade and its exact opposite leaves the same account: the "after" run is
    /// the "before" run bit for bit, so nothing but the trades can move a what-if.
    @Test func aTradeAndItsOppositeChangeNothing() throws {
        let job = try Fixtures.mixedJob(scenarios: 20_000)
        let trades = [try Fixtures.position("BTC-PERPETUAL", 12_345), try Fixtures.position("BTC-PERPETUAL", -12_345)]
        let whatIf = try WhatIf(job: job, account: 0, trades: trades, threads: 2)
        #expect(whatIf.after.bitSignature == whatIf.before.bitSignature)
        #expect(whatIf.initialMarginChange == 0 && whatIf.cashMoved == 0)
    }

    /// "before" (in the book's instrument order, as `tailgrid whatif` runs it) is the
    /// account's figure in the full book bit for bit, whichever layout sums the book:
    /// `automatic` (this book is about a quarter dense, so sparse rows) or dense. The
    /// one-account plans are about half dense or more, so they may take either layout too.
    @Test(arguments: [PositionMatrix.Mode.automatic, .dense])
    func beforeIsTheFullBooksFigure(aggregation: PositionMatrix.Mode) throws {
        let job = try Fixtures.mixedJob(scenarios: 20_000, aggregation: aggregation)
        let plan = try EnginePlan(job)
        #expect(plan.evaluator.positions.layout == (aggregation == .dense ? .dense : .sparse))
        let full = try LocalRunner(plan: plan, threads: 2).run()
        for index in job.accounts.indices {
            let whatIf = try WhatIf(job: job, account: index, trades: [try Fixtures.position("ETH-PERPETUAL", 1_000)], threads: 2,
                                    order: WhatIf.BookOrder(plan: plan))
            #expect(whatIf.before.bitSignature == full.accounts[index].bitSignature, "\(job.accounts[index].id)")
        }
    }

    /// Buying options at mark leaves equity where it was (the premium leaves the USD
    /// balance), and the change in IM is the same trade's IM change seen two ways.
    @Test func tradesSettleAtMark() throws {
        let job = try Fixtures.mixedJob(scenarios: 20_000)
        let call = try Fixtures.position("BTC-28MAR25-100000-C", 4)
        let whatIf = try WhatIf(job: job, account: 0, trades: [call], threads: 2)
        #expect(whatIf.cashMoved < 0)
        #expect(abs(whatIf.after.equity - whatIf.before.equity) <= 1e-9 * whatIf.before.equity)
        // alice is short 10 of those calls: buying 4 back lowers her margin.
        #expect(whatIf.initialMarginChange < 0)
    }

    /// Common random numbers: with 20,000 scenarios the ES of alice has a standard error
    /// se of about 2% of ES. A small hedge (5,000 USD of BTC perpetual against her short
    /// calls) moves ES by a few percent; under two seeds, the CRN changes must agree to
    /// within se / 2 (a 3.5-sigma bound for the CRN noise, which is a fraction of se),
    /// while the same change estimated across seeds (after under one seed minus before
    /// under the other) carries the full level noise of both runs.
    @Test func commonRandomNumbersRemoveTheNoiseFromTheChange() throws {
        let first = try Fixtures.mixedJob(scenarios: 20_000)
        var second = first
        second.seed = first.seed &+ 7_919
        let hedge = [try Fixtures.position("BTC-PERPETUAL", 5_000)]
        let a = try WhatIf(job: first, account: 0, trades: hedge, threads: 2)
        let b = try WhatIf(job: second, account: 0, trades: hedge, threads: 2)
        let se = a.before.estimates[0].expectedShortfallStandardError
        #expect(se > 0)
        #expect(abs(a.initialMarginChange - b.initialMarginChange) < 0.5 * se,
                "CRN changes \(a.initialMarginChange) and \(b.initialMarginChange), se \(se)")
        #expect(a.initialMarginChange != 0)
    }
}
