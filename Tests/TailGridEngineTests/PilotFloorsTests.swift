import Foundation
import Testing
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// Pilot floors: their rank meets the stated bound on the exact hypergeometric tail, they
/// make the first chunks ship less, and the result is the same bits with them, without
/// them, and when they prove too high.
@Suite("Pilot floors")
struct PilotFloorsTests {
    /// log P(X >= r) for X ~ Hypergeometric(population n, successes k, draws m), summed
    /// exactly in log space (log-gamma binomial coefficients), independent of the Chernoff
    /// bound the rank is chosen with.
    static func logHypergeometricTail(atLeast r: Int, population n: Int, successes k: Int, draws m: Int) -> Double {
        func logChoose(_ a: Int, _ b: Int) -> Double {
            lgamma(Double(a) + 1) - lgamma(Double(b) + 1) - lgamma(Double(a - b) + 1)
        }
        let denominator = logChoose(n, m)
        var terms: [Double] = []
        for x in r...Swift.min(k, m) {
            terms.append(logChoose(k, x) + logChoose(n - k, m - x) - denominator)
        }
        let largest = terms.max() ?? -.infinity
        return largest + log(terms.reduce(0) { $0 + exp($1 - largest) })
    }

    /// For the pilot sizes and tails of real jobs (and what a merge has merged: 65,536 of
    /// 100,000 scenarios, half of 10M), the chance that the floor's rank is reached by
    /// scenarios among the k - 1 above the k-th largest is at most 1e-12, and at the rank
    /// below it is not (the rank is the smallest), both computed term by term in log space;
    /// the rank is at most the one Chernoff's bound gives (found here by a scan).
    @Test(arguments: [(2048, 100_000, 1062), (1024, 10_000, 120), (2048, 1_000_000, 10_196), (256, 4_000, 52),
                      (8192, 100_000, 1010), (65_536, 100_000, 1010), (5_000_000, 10_000_000, 100_010)])
    func rankMeetsTheBound(m: Int, n: Int, k: Int) throws {
        let rank = try #require(PilotFloors.floorRank(pilot: m, scenarios: n, tailCapacity: k))
        let bound = log(PilotFloors.failureBound)
        let exact = Self.logHypergeometricTail(atLeast: rank, population: n, successes: k - 1, draws: m)
        #expect(exact <= bound, "P(X >= \(rank)) = e^\(exact)")
        let below = Self.logHypergeometricTail(atLeast: rank - 1, population: n, successes: k - 1, draws: m)
        #expect(below > log(PilotFloors.failureBound * (1 - 1e-5)), "P(X >= \(rank - 1)) = e^\(below)")
        let mean = Double(m * k) / Double(n)
        var chernoff = Int(mean) + 1
        while -mean + Double(chernoff) * (1 + log(mean / Double(chernoff))) > bound { chernoff += 1 }
        #expect(rank <= chernoff && rank > Int(mean), "rank \(rank), Chernoff's \(chernoff)")
        // Useful: the floor admits a few per cent of losses, not most of them.
        #expect(Double(rank) / Double(m) < 0.25)
    }

    /// The exact tail's rank, against Chernoff's, on the pilot and the first merges of a
    /// job of 100,000 scenarios and k = 1,010 (the figures the documentation gives).
    @Test func exactRankIsTighterThanChernoffs() throws {
        #expect(PilotFloors.floorRank(pilot: 8192, scenarios: 100_000, tailCapacity: 1010, bound: 1e-12 / 13) == 154)
        #expect(PilotFloors.floorRank(pilot: 2048, scenarios: 100_000, tailCapacity: 1010, bound: 1e-12) == 60)
    }

    @Test func noPilotWhenItCannotHelp() {
        #expect(PilotFloors.pilotScenarios(scenarios: 1000) == 0)
        #expect(PilotFloors.floorRank(pilot: 0, scenarios: 1000, tailCapacity: 10) == nil)
        #expect(PilotFloors.pilotScenarios(scenarios: 100_000) == PilotFloors.maxPilotScenarios)
        // A tail as large as the pilot: no rank inside it can be safe.
        #expect(PilotFloors.floorRank(pilot: 256, scenarios: 1024, tailCapacity: 1000) == nil)
    }

    /// An account's floor is its r-th largest loss among the pilot's scenarios, whatever
    /// the number of threads sharing the pilot's tiles (the r-th entry of a chunk
    /// summary of those scenarios is the oracle).
    @Test(arguments: [1, 2, 3, 8])
    func floorsAreTheRthLargestPilotLoss(threads: Int) throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(scenarios: 40_000, chunkSize: 4096))
        let m = PilotFloors.pilotScenarios(scenarios: plan.job.scenarios)
        let rank = try #require(PilotFloors.floorRank(pilot: m, scenarios: plan.job.scenarios, tailCapacity: plan.tailCapacity))
        #expect(m == PilotFloors.maxPilotScenarios && rank > 1 && rank <= plan.tailCapacity)
        let pilot = ChunkComputer(plan: plan).summarize(0..<UInt64(m))
        let expected = pilot.accounts.prefix(plan.lossRowCount).map { $0.tail[rank - 1].loss }
        #expect(PilotFloors.floors(for: plan, threads: threads) == expected)
    }

    /// Accounts whose pilot losses tie: one holding only USD (every loss 0), one holding
    /// only coins (losses of one sign, many scenarios apart by one factor), one with a
    /// long and a short of the same future (losses near 0 of both signs, with -0
    /// beside +0), beside the mixed book's. The floor is still the r-th largest loss.
    @Test(arguments: [1, 2, 3])
    func floorsOfTiedLossesAreTheRthLargest(threads: Int) throws {
        var accounts = try Fixtures.mixedJob(scenarios: 40_000).accounts
        accounts += [
            Account(id: "cash", collateral: [.init(currency: "USD", amount: 1_000_000)], positions: []),
            Account(id: "coins", collateral: [.init(currency: "BTC", amount: 3)], positions: []),
            Account(id: "flat", collateral: [.init(currency: "USD", amount: 10)],
                    positions: [try Fixtures.position("BTC-28MAR25", 1_000), try Fixtures.position("BTC-28MAR25", -1_000)]),
        ]
        let plan = try EnginePlan(try Fixtures.job(accounts: accounts, scenarios: 40_000, confidences: [0.99, 0.995]))
        let m = PilotFloors.pilotScenarios(scenarios: plan.job.scenarios)
        let rank = try #require(PilotFloors.floorRank(pilot: m, scenarios: plan.job.scenarios, tailCapacity: plan.tailCapacity))
        let pilot = ChunkComputer(plan: plan).summarize(0..<UInt64(m))
        let expected = pilot.accounts.prefix(plan.lossRowCount).map { $0.tail[rank - 1].loss }
        let floors = PilotFloors.floors(for: plan, threads: threads)
        #expect(floors == expected)
        #expect(floors[accounts.count - 3] == 0, "an account of cash alone loses nothing in any scenario")
    }

    /// With the pilot's floors, without them, and with floors far too high (nothing
    /// shipped, so the job runs again without them): the same bits.
    @Test func resultIsTheSameWithAndWithoutPilotFloors() throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(scenarios: 40_000, chunkSize: 4096))
        let floors = PilotFloors.floors(for: plan)
        #expect(floors.allSatisfy { $0.isFinite }, "every account of the fixture has a pilot floor")
        let off = try LocalRunner(plan: plan, threads: 2, pilotFloors: .off).run()
        let pilot = try LocalRunner(plan: plan, threads: 2, pilotFloors: .pilot).run()
        let tooHigh = try LocalRunner(plan: plan, threads: 2, pilotFloors: .fixed(floors.map { _ in 1e15 })).run()
        #expect(pilot.accounts.map(\.bitSignature) == off.accounts.map(\.bitSignature))
        #expect(tooHigh.accounts.map(\.bitSignature) == off.accounts.map(\.bitSignature))
        // Each pilot floor lies below the account's k-th largest loss (the last tail entry
        // the estimates need), as the bound promises.
        var merger = SummaryMerger(plan: plan)
        let computer = ChunkComputer(plan: plan)
        for chunk in 0..<plan.chunks.chunkCount {
            try merger.merge(chunk: chunk, computer.summarize(plan.chunks.range(ofChunk: chunk)))
        }
        for (account, summary) in merger.summaries().enumerated() {
            #expect(floors[account] <= summary.tail[plan.tailCapacity - 1].loss)
        }
    }

    /// The first chunk computed with the pilot's floors ships a few per cent of its
    /// losses per account; without them it ships the whole tail length.
    @Test func firstChunkShipsLess() throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(scenarios: 100_000, chunkSize: 8192))
        let floors = PilotFloors.floors(for: plan)
        let computer = ChunkComputer(plan: plan)
        let range = plan.chunks.range(ofChunk: 0)
        let without = computer.summarize(range).accounts.map(\.tail.count)
        let with = computer.summarize(range, floors: floors).accounts.map(\.tail.count)
        #expect(without.allSatisfy { $0 == plan.tailCapacity })
        for shipped in with { #expect(shipped < range.count / 20, "\(shipped) of \(range.count)") }
        // And the merger refuses to call floors held that starve an account.
        var merger = SummaryMerger(plan: plan, pilotFloors: floors.map { _ in 1e15 })
        for chunk in 0..<plan.chunks.chunkCount {
            let sent = merger.admissionFloors
            try merger.merge(chunk: chunk, computer.summarize(plan.chunks.range(ofChunk: chunk), floors: sent), floors: sent)
        }
        #expect(!merger.floorsHeld)
        #expect(throws: EngineError.self) { _ = try EngineResult(plan: plan, merged: merger) }
    }
}
