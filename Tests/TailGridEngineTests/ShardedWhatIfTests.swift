import Testing
import TailGridEngine
import TailGridMarket

/// A book held in shards (`BookShard`, `ServedBook.summaries`) and merged on a front
/// (`ShardedWhatIf`): for 1, 2, 3 and 7 shards, dense and sparse, with a dependence stress
/// (three loss rows), stress scenarios and a coin-margined account, the what-if is the
/// bits of the book held whole. A shard's summary of the wrong scenarios or of another
/// account, a tail cut short, or answers in the wrong order are refused.
@Suite struct ShardedWhatIfTests {
    static let trades = [[try! Fixtures.position("BTC-28MAR25-97000-P", 1)],
                         [try! Fixtures.position("ETH_USDC-PERPETUAL", -2), try! Fixtures.position("BTC-28MAR25-110000-C", -3)]]

    @Test(arguments: [false, true])
    func shardsMergedAreTheWholeBook(sparse: Bool) throws {
        let plan = try ServedBookTests.plan(aggregation: sparse ? .sparse : .dense)
        let whole = ServedBook(plan: plan, threads: 2)
        for count in [1, 2, 3, 7] {
            let shards = try (0..<count).map { index in
                try ServedBook(plan: plan, threads: 2, shard: try #require(BookShard(index: index, count: count)))
            }
            // The shards hold the scenarios once, in order.
            #expect(shards.map(\.scenarios.count).reduce(0, +) == plan.job.scenarios)
            #expect(shards.first?.scenarios.lowerBound == 0 && shards.last?.scenarios.upperBound == UInt64(plan.job.scenarios))
            for account in 0..<3 {
                for trades in Self.trades {
                    let front = try ShardedWhatIf(job: plan.job, account: account, trades: trades, order: whole.order)
                    let sharded = try front.combine(try shards.map { try $0.summaries(account: account, trades: trades) })
                    let held = try whole.whatIf(account: account, trades: trades)
                    #expect(sharded.before == held.before, "\(count) shards, account \(account) before")
                    #expect(sharded.after == held.after, "\(count) shards, account \(account) after")
                    #expect(sharded.cashMoved.bitPattern == held.cashMoved.bitPattern)
                }
            }
        }
    }

    @Test func aShardAnswerThatIsNotItsOwnIsRefused() throws {
        let plan = try ServedBookTests.plan()
        let order = WhatIf.BookOrder(plan: plan)
        let shards = try (0..<2).map { try ServedBook(plan: plan, threads: 2, shard: try #require(BookShard(index: $0, count: 2))) }
        let trades = Self.trades[0]
        let answers = try shards.map { try $0.summaries(account: 0, trades: trades) }
        let front = try ShardedWhatIf(job: plan.job, account: 0, trades: trades, order: order)
        _ = try front.combine(answers)
        // In the wrong order, one missing, or one shard's twice.
        for wrong in [[answers[1], answers[0]], [answers[0]], [answers[0], answers[0]]] {
            #expect(throws: EngineError.self) { try front.combine(wrong) }
        }
        // A tail cut short: the histogram shows losses the tail should hold.
        var cut = answers[1].before
        cut.accounts[0].tail.removeLast(cut.accounts[0].tail.count / 2)
        #expect(throws: EngineError.self) { try front.combine([answers[0], .init(before: cut, after: answers[1].after)]) }
        // A shard's summaries of another account: their histogram bins are that account's.
        let other = try shards[1].summaries(account: 1, trades: trades)
        #expect(throws: EngineError.self) { try front.combine([answers[0], other]) }
    }

    @Test func shardsAreParsedAndBounded() {
        #expect(BookShard("0/1") == .whole && BookShard("2/3")?.index == 2)
        for bad in ["", "1", "3/3", "-1/2", "1/0", "1/2/3", "a/b", "0/1025", "00000/1", " 0/1"] {
            #expect(BookShard(bad) == nil, "\(bad)")
        }
        // 1000 scenarios are 4 tiles: 5 shards leave the first empty.
        #expect(BookShard(index: 0, count: 5)!.tiles(scenarios: 1000).isEmpty)
        #expect(BookShard(index: 4, count: 5)!.tiles(scenarios: 1000) == 3..<4)
        #expect(BookShard(index: 3, count: 4)!.scenarios(of: 1000) == 768..<1000)
    }
}
