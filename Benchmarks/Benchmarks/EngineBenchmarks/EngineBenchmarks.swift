import Foundation
import Benchmark
import TailGridEngine
import TailGridMarket
import TailGridNumerics

let benchmarks: @Sendable () -> Void = {
    // Thresholds/ holds each benchmark's p90 on the 2-core reference machine
    // (`swift package --disable-sandbox benchmark thresholds update`); `thresholds check`
    // fails when a p90 is worse than that by more than these margins (timing on a shared
    // VM varies by about a fifth; allocations do not).
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                           maxDuration: .seconds(3), maxIterations: 200,
                                           thresholds: [.wallClock: .init(relative: [.p90: 35]),
                                                        .throughput: .init(relative: [.p90: 35]),
                                                        .mallocCountTotal: .init(relative: [.p90: 10], absolute: [.p90: 64])])
    BLAS.setThreadCount(1)

    // 1 unit = one scenario of 6 correlated Student-t factors.
    Benchmark("Scenario generation: 6 factors, Student-t, per scenario",
              configuration: .init(scalingFactor: .kilo)) { benchmark in
        let plan = try EnginePlan(try SyntheticBook.job(accounts: 1, strikes: 2, positionsPerAccount: 1))
        let generator = plan.evaluator.generator
        let draws = UnsafeMutablePointer<Double>.allocate(capacity: 6 * ScenarioTile.size)
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 6 * ScenarioTile.size)
        let rowScratch = RowScratch.allocate()
        defer { draws.deallocate(); scratch.deallocate(); rowScratch.deallocate() }
        benchmark.startMeasurement()
        for tile in 0..<(benchmark.scaledIterations.count / ScenarioTile.size) {
            generator.generate(tileStart: UInt64(tile * ScenarioTile.size), draws: draws, independent: scratch,
                               scratch: rowScratch)
        }
        blackHole(draws[0])
    }

    // 1 unit = one option revalued in one scenario (Black-76 with a vol multiplier).
    Benchmark("Option revaluation: Black-76, per instrument-scenario",
              configuration: .init(scalingFactor: .mega)) { benchmark in
        let market = try SyntheticBook.market()
        let pricer = try InstrumentPricer(instrument: try Instrument(parsing: "BTC-27JUN25-100000-C"),
                                          market: market, horizonYears: 2 / 365)
        var sum = 0.0
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            let spot = 80_000 + Double(index & 0xFFFF) * 0.5
            sum += pricer.profitAndLoss(spot: spot, volMultiplier: 1.1)
        }
        blackHole(sum)
    }

    // 1 unit = one option revalued in one scenario by the engine's kernel
    // (`InstrumentPricer.profitAndLoss(_:into:)` over rows of 256, as a tile calls it):
    // 640 options (4 coins x 4 expiries x 20 strikes, calls and puts, flat smiles) over
    // rows of horizon spots drawn from each coin's 2-day moves, vol multipliers, and
    // carry and skew shifts for BTC and ETH.
    Benchmark("Option revaluation: Black-76 rows of 256, per instrument-scenario",
              configuration: .init(scalingFactor: .mega)) { benchmark in
        let market = try SyntheticBook.market()
        let width = ScenarioTile.size
        let coins = market.underlyings.map(\.symbol)
        let horizon = 2.0 / 365
        // Per coin: spots, log-returns, vol multipliers, carry shifts, skew shifts.
        let rows = UnsafeMutablePointer<Double>.allocate(capacity: coins.count * 5 * width)
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 3 * width)
        let out = UnsafeMutablePointer<Double>.allocate(capacity: width)
        let rowScratch = RowScratch.allocate()
        defer { rows.deallocate(); scratch.deallocate(); out.deallocate(); rowScratch.deallocate() }
        var random = SplitMix64(seed: 11)
        func normal() -> Double { NormalDistribution.quantile((Double(random.next() >> 11) + 0.5) * 0x1p-53) }
        for (u, underlying) in market.underlyings.enumerated() {
            let row = rows + u * 5 * width
            let withFactors = u < 2
            for c in 0..<width {
                let logReturn = underlying.vol * horizon.squareRoot() * normal()
                row[c] = underlying.spot * Foundation.exp(logReturn)
                row[width + c] = logReturn
                row[2 * width + c] = Foundation.exp(0.2 * normal() - 0.02)
                row[3 * width + c] = withFactors ? 0.02 * normal() : 0
                row[4 * width + c] = withFactors ? 0.05 * normal() : 0
            }
        }
        let pricers = try SyntheticBook.instruments(strikes: 20).filter { $0.hasSuffix("-C") || $0.hasSuffix("-P") }.map { name in
            let instrument = try Instrument(parsing: name)
            let u = coins.firstIndex(of: instrument.underlying)!
            let row = rows + u * 5 * width
            let revaluation = RevaluationRow(spots: row, logReturns: row + width, settlementSpots: row,
                                             volMultipliers: row + 2 * width, carryShifts: u < 2 ? row + 3 * width : nil,
                                             skewShifts: row + 4 * width, scratch: scratch, rowScratch: rowScratch,
                                             count: width)
            return (try InstrumentPricer(instrument: instrument, market: market, horizonYears: horizon), revaluation)
        }
        var sum = 0.0
        benchmark.startMeasurement()
        for _ in 0..<Swift.max(1, benchmark.scaledIterations.count / (pricers.count * width)) {
            for (pricer, row) in pricers {
                pricer.profitAndLoss(row, into: out)
                sum += out[0]
            }
        }
        blackHole(sum)
    }

    // 1 unit = one chunk of 8,192 scenarios of a 100,000-scenario job (tails of 1,063
    // losses per account): 2,000 accounts x 5 positions over 341 listed instruments, and
    // 200 accounts x 60 positions (both sparse under `automatic`), and the latter summed
    // by the dense layout (the same bits: the two layouts' speeds side by side). The first
    // chunk of a job has no floors; "with floors" passes those of a merge of 12 chunks, as
    // every later chunk gets them.
    for (accounts, positions, aggregation) in [(2000, 5, PositionMatrix.Mode.automatic), (200, 60, .automatic), (200, 60, .dense)] {
        let plan = try! EnginePlan(try! SyntheticBook.job(accounts: accounts, strikes: 10, positionsPerAccount: positions,
                                                          aggregation: aggregation))
        let shape = "\(accounts) accounts x \(positions) positions, \(plan.evaluator.instruments.count) instruments, "
            + plan.evaluator.positions.layout.rawValue
        var merger = SummaryMerger(plan: plan)
        let computer = ChunkComputer(plan: plan)
        for index in 1..<plan.chunks.chunkCount { try! merger.merge(chunk: index, computer.summarize(plan.chunks.range(ofChunk: index))) }
        let floors = merger.admissionFloors
        for withFloors in [false, true] {
            Benchmark("Chunk of 8192 scenarios, \(withFloors ? "with" : "no") floors: \(shape)",
                      configuration: .init(maxIterations: 20)) { benchmark in
                let computer = ChunkComputer(plan: plan)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    blackHole(computer.summarize(plan.chunks.range(ofChunk: 0), floors: withFloors ? floors : nil))
                }
            }
        }
    }

    // 1 unit = the pilot floors of a 100,000-scenario job of 2,000 accounts x 5 positions:
    // its first 2,048 scenarios evaluated and each account's r-th largest loss found
    // (r = 63), on one thread (`PilotFloors`: order keys and a branch-free quickselect).
    do {
        let plan = try! EnginePlan(try! SyntheticBook.job(accounts: 2000, strikes: 10, positionsPerAccount: 5))
        Benchmark("Pilot floors: 2000 accounts x 5 positions, 2048 scenarios, one thread",
                  configuration: .init(maxIterations: 20)) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(PilotFloors.floors(for: plan, threads: 1))
            }
        }
    }

    // 1 unit = explaining every account of a 100,000-scenario job (tails of 1,000 losses):
    // replaying the tiles that hold the tails, on one thread (compare with 13 chunks of the
    // "Chunk of 8192 scenarios" benchmark of the same book: the run itself on one thread).
    for (accounts, positions) in [(2000, 5), (200, 60)] {
        let plan = try! EnginePlan(try! SyntheticBook.job(accounts: accounts, strikes: 10, positionsPerAccount: positions))
        let tails = try! LocalRunner(plan: plan, threads: 2).tails()
        Benchmark("Explain: replay of every account's tail, \(accounts) accounts x \(positions) positions, one thread",
                  configuration: .init(maxIterations: 5)) { benchmark in
            let attribution = TailAttribution(plan: plan)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try attribution.explain(accounts: Array(0..<accounts), tails: tails, threads: 1))
            }
        }
    }

    // 1 unit = a what-if: one account of 20 positions, before and after one trade, 100,000
    // scenarios each, on one thread (the account alone, common random numbers).
    Benchmark("What-if: an account of 20 positions, 100,000 scenarios, one thread",
              configuration: .init(maxIterations: 10)) { benchmark in
        let job = try SyntheticBook.job(accounts: 1, strikes: 10, positionsPerAccount: 20)
        let trade = Account.Position(instrument: try Instrument(parsing: "BTC-PERPETUAL"), quantity: 10_000)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try WhatIf(job: job, account: 0, trades: [trade], threads: 1))
        }
    }

    // The same what-if on a book held in memory (`tailgrid serve`): 200 accounts of 20
    // positions over 341 instruments, every instrument's P&L computed once (in setup, as a
    // server does before its first request); the account's plans read it. Before and after,
    // one thread; the bits of the what-if above. Measured as a server answers: one book,
    // request after request.
    Benchmark("What-if on a served book: an account of 20 positions, 100,000 scenarios, one thread",
              configuration: .init(maxIterations: 400), closure: { benchmark, served in
        for _ in benchmark.scaledIterations {
            do { blackHole(try served.book.whatIf(account: 0, trades: [served.trade], threads: 1)) } catch {
                benchmark.error("the what-if failed: \(error)")
            }
        }
    }, setup: { () throws -> (book: ServedBook, trade: Account.Position) in
        let plan = try EnginePlan(try SyntheticBook.job(accounts: 200, strikes: 10, positionsPerAccount: 20))
        return (ServedBook(plan: plan, threads: 2), plan.job.accounts[1].positions[0])
    })

    // 1 unit = one what-if on the same book held in 2 shards: both shards' summaries (which
    // two machines compute at once) and the front's plans and exact merge, in turn, on one
    // thread; the bits of the served what-if above.
    Benchmark("What-if on a book in 2 shards: both answers and the front's merge, 20 positions, 100,000 scenarios, one thread",
              configuration: .init(maxIterations: 400), closure: { benchmark, sharded in
        for _ in benchmark.scaledIterations {
            do {
                let answers = try sharded.shards.map { try $0.summaries(account: 0, trades: [sharded.trade]) }
                blackHole(try ShardedWhatIf(job: sharded.shards[0].plan.job, account: 0, trades: [sharded.trade],
                                            order: sharded.shards[0].order).combine(answers))
            } catch {
                benchmark.error("the sharded what-if failed: \(error)")
            }
        }
    }, setup: { () throws -> (shards: [ServedBook], trade: Account.Position) in
        let plan = try EnginePlan(try SyntheticBook.job(accounts: 200, strikes: 10, positionsPerAccount: 20))
        let shards = try (0..<2).map { index in
            guard let shard = BookShard(index: index, count: 2) else { throw EngineError(.invalidJob, "no shard \(index)/2") }
            return try ServedBook(plan: plan, threads: 2, shard: shard)
        }
        return (shards, plan.job.accounts[1].positions[0])
    })

    // 1 unit = one loss added exactly.
    Benchmark("ExactSum.add, per addend", configuration: .init(scalingFactor: .mega)) { benchmark in
        var sum = ExactSum()
        for index in benchmark.scaledIterations { sum.add(Double(index) * 1.000_1 - 250_000) }
        blackHole(sum)
    }

    // 1 unit = one entry of a tail of 1,000 ranked (about a 100,000-scenario job's k at
    // 99%): a copy of an unranked tail, then `sortByRank` (`RankSort`).
    Benchmark("Tail ranking: tails of 1000 losses, per entry", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var generator = SplitMix64(seed: 7)
        let tails = (0..<64).map { _ in
            (0..<1000).map { _ in TailLoss(loss: 1e5 / (generator.openUnit() * generator.openUnit() + 0.01), scenario: generator.next() % 100_000) }
        }
        benchmark.startMeasurement()
        var ranked = 0
        while ranked < benchmark.scaledIterations.count {
            var tail = tails[ranked / 1000 % tails.count]
            tail.sortByRank()
            blackHole(tail)
            ranked += tail.count
        }
    }

    // 1 unit = one entry of a kept tail handed over ranked: a selector of 1,062 (a
    // 100,000-scenario job's k at 99% and its interval) offered 1,300 losses (its room is
    // 1,327, so no cut), then `takeRankedTail`: the top 1,062 ranked, as a local run takes
    // every account's tail at its end.
    Benchmark("Tail taking: 1062 kept of 1300 offered, per kept entry", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var generator = SplitMix64(seed: 11)
        let offers = (0..<64).map { _ in
            (0..<1300).map { _ in TailLoss(loss: 1e5 / (generator.openUnit() * generator.openUnit() + 0.01), scenario: generator.next() % 100_000) }
        }
        benchmark.startMeasurement()
        var taken = 0
        var round = 0
        while taken < benchmark.scaledIterations.count {
            var selector = TailSelector(capacity: 1062, slack: 265)
            for entry in offers[round % offers.count] { selector.offer(loss: entry.loss, scenario: entry.scenario) }
            let tail = selector.takeRankedTail()
            blackHole(tail)
            taken += tail.count
            round += 1
        }
    }

    // 1 unit = one chunk summary of 2,000 accounts merged.
    Benchmark("Merge: chunk summary of 2000 accounts, per chunk", configuration: .init(maxIterations: 20)) { benchmark in
        let plan = try EnginePlan(try SyntheticBook.job(accounts: 2000, strikes: 4, positionsPerAccount: 5, scenarios: 8192 * 13))
        let computer = ChunkComputer(plan: plan)
        let summaries = (0..<plan.chunks.chunkCount).map { computer.summarize(plan.chunks.range(ofChunk: $0)) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var merger = SummaryMerger(plan: plan)
            for (index, summary) in summaries.enumerated() { try merger.merge(chunk: index, summary) }
            blackHole(merger)
        }
    }

    OutputBenchmarks.register()
}
