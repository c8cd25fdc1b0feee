import Foundation
import Testing
import TailGridCalibration
import TailGridEngine
import TailGridMarket
import TailGridNumerics
import TailGridTestSupport

/// Filtered historical simulation on the real BTC history.
@Suite struct FilteredHistoricalTests {
    static let asOf = CalendarDay.day("2025-02-19")!

    static func prices(_ symbol: String) throws -> DailyPrices {
        let rows = try SharedPriceData.closes(symbol)
        return DailyPrices(symbol: symbol, firstDay: try #require(CalendarDay.day(rows[0].date)), closes: rows.map(\.close),
                           volumes: [Double](repeating: 0, count: rows.count))
    }

    static func job(history: FilteredHistory, positions: [Account.Position], scenarios: Int = 100_000,
                    chunkSize: Int = 8192, volOfVol: Double? = nil) throws -> EngineJob {
        let market = try MarketData(valuationTime: Fixtures.valuationTime, rate: 0, underlyings: [
            try Underlying(symbol: "BTC", spot: 97_600, vol: 0.55, volOfVol: volOfVol),
            try Underlying(symbol: "ETH", spot: 2_719, vol: 0.70),
        ])
        var job = try Fixtures.job(accounts: [Account(id: "a", collateral: [], positions: positions)], scenarios: scenarios,
                                   chunkSize: chunkSize, model: .filteredHistorical(history), market: market)
        job.horizonDays = Double(history.horizonDays)
        return job
    }

    /// Long 1 BTC, 1 day, 750 blocks from the 750 days to 2025-02-19. The filtered
    /// returns are recomputed here longhand: sigma^2 seeded with the window's mean square,
    /// sigma^2(t + 1) = 0.94 sigma^2(t) + 0.06 r(t)^2, r~ = r sigma(today) / sigma(t). The
    /// 99% quantile of 750 equally likely block losses is between ranks 7 and 8 from the
    /// top; its order-statistic 95% interval spans ranks 7.5 -/+ 1.96 sqrt(750 x 0.01 x
    /// 0.99), i.e. ranks 2 to 13. The engine's VaR (100,000 draws of blocks) must lie there.
    @Test func varOfALongCoinIsTheQuantileOfTheFilteredReturns() throws {
        let window = try ReturnWindow(prices: [try Self.prices("BTC"), try Self.prices("ETH")], asOf: Self.asOf, days: 750)
        let history = try FilteredHistory(window: window, lambda: 0.94, horizonDays: 1, lookbackDays: 750)
        let job = try Self.job(history: history, positions: [try Fixtures.position("BTC", 1)])
        let risk = try LocalRunner(plan: try EnginePlan(job), threads: 2).run().accounts[0]

        let btc = (0..<750).map { window.returns[$0 * 2] }
        var variance = btc.reduce(0) { $0 + $1 * $1 } / 750
        var sigmas: [Double] = []
        for r in btc {
            sigmas.append(variance.squareRoot())
            variance = 0.94 * variance + 0.06 * r * r
        }
        let today = variance.squareRoot()
        let losses = zip(btc, sigmas).map { r, sigma in 97_600 * (1 - exp(r * today / sigma)) }.sorted(by: >)
        let valueAtRisk = risk.estimates[0].valueAtRisk
        #expect(valueAtRisk <= losses[1] && valueAtRisk >= losses[12], "VaR \(valueAtRisk), ranks 2..13: \(losses[1])...\(losses[12])")
        // Every scenario is one of the blocks: the VaR is one of the block losses.
        #expect(losses.contains { abs($0 - valueAtRisk) < 1e-6 })
    }

    /// The same job in chunks of 1,024, 8,192 and 100,000 on 1 and 2 threads: bit for bit.
    @Test func fhsIsBitIdenticalAcrossChunkingsAndThreads() throws {
        let window = try ReturnWindow(prices: [try Self.prices("BTC"), try Self.prices("ETH")], asOf: Self.asOf, days: 500)
        let history = try FilteredHistory(window: window, lambda: 0.94, horizonDays: 2, lookbackDays: 400)
        let positions = [try Fixtures.position("BTC-28MAR25-100000-C", -3), try Fixtures.position("ETH_USDC-PERPETUAL", 40)]
        var signatures: Set<[UInt64]> = []
        for (chunk, threads) in [(1024, 1), (8192, 2), (100_000, 2), (3000, 2)] {
            let job = try Self.job(history: history, positions: positions, scenarios: 50_000, chunkSize: chunk, volOfVol: 1.2)
            signatures.insert(try LocalRunner(plan: try EnginePlan(job), threads: threads).run().accounts[0].bitSignature)
        }
        #expect(signatures.count == 1)
    }

    /// A scenario replays block floor(u x blocks) for both coins together: replaying a
    /// scenario's index gives the P&L of the spot moves of one historical block.
    @Test func aScenarioIsOneHistoricalBlockForEveryCoin() throws {
        let window = try ReturnWindow(prices: [try Self.prices("BTC"), try Self.prices("ETH")], asOf: Self.asOf, days: 300)
        let history = try FilteredHistory(window: window, lambda: 0.94, horizonDays: 1, lookbackDays: 300)
        let job = try Self.job(history: history, positions: [try Fixtures.position("BTC", 1), try Fixtures.position("ETH", 1)],
                               scenarios: 1024)
        let plan = try EnginePlan(job)
        let workspace = plan.evaluator.makeWorkspace()
        plan.evaluator.evaluate(tileStart: 256, workspace: workspace)
        let sampler = try #require(plan.evaluator.generator.historical)
        for column in [0, 17, 255] {
            let block = sampler.block(generator: plan.evaluator.generator.generator, scenario: UInt64(256 + column))
            let btc = 97_600 * (exp(history.spotMoves[block * 2]) - 1)
            let eth = 2_719 * (exp(history.spotMoves[block * 2 + 1]) - 1)
            #expect(abs(workspace.accountProfit[column] - (btc + eth)) < 1e-9)
        }
    }

    /// Daily steps replay the block's days one by one. A spot position's horizon spot is
    /// S exp(r~_1 + r~_2 + r~_3), summed in the same order as the block's move, so its
    /// losses are bit-identical to the one-step model's; a put expiring at the end of day 1
    /// settles at S exp(r~_1), the block's first filtered day (replayed by index), and the
    /// same day-1 settlement holds on any chunking.
    @Test func dailyStepsReplayTheBlocksDays() throws {
        let window = try ReturnWindow(prices: [try Self.prices("BTC"), try Self.prices("ETH")], asOf: Self.asOf, days: 400)
        let history = try FilteredHistory(window: window, lambda: 0.94, horizonDays: 3, lookbackDays: 400)
        let spot = [try Fixtures.position("BTC", 2), try Fixtures.position("ETH", -30)]
        var daily = try Self.job(history: history, positions: spot, scenarios: 20_000)
        daily.steps = 3
        let oneStep = try Self.job(history: history, positions: spot, scenarios: 20_000)
        #expect(try LocalRunner(plan: try EnginePlan(daily), threads: 2).run().accounts[0].bitSignature
                == LocalRunner(plan: try EnginePlan(oneStep), threads: 2).run().accounts[0].bitSignature)

        var expiring = try Self.job(history: history, positions: [try Fixtures.position("BTC_USDC-21FEB25-95000-P", 1)],
                                    scenarios: 1024)
        expiring.steps = 3
        let plan = try EnginePlan(expiring)
        let premium = plan.evaluator.instruments[0].value
        let workspace = plan.evaluator.makeWorkspace()
        plan.evaluator.evaluate(tileStart: 512, workspace: workspace)
        let sampler = try #require(plan.evaluator.generator.historical)
        for column in 0..<ScenarioTile.size {
            let block = sampler.block(generator: plan.evaluator.generator.generator, scenario: UInt64(512 + column))
            let dayOne = 97_600 * exp(history.dailyMoves[block * 2])
            #expect(abs(workspace.accountProfit[column] - (max(95_000 - dayOne, 0) - premium)) < 1e-9)
        }

        var uneven = try Self.job(history: history, positions: spot, scenarios: 1024)
        uneven.steps = 2
        #expect(throws: EngineError.self) { try EnginePlan(uneven) }
    }
}
