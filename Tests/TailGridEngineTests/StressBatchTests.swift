import Testing
import TailGridEngine

/// A job's work units (`WorkUnits`): its scenario chunks, then its stress scenarios in
/// batches of one tile, which a cluster computes like chunks. A batch's losses are the
/// same bits however the scenarios are batched, the merger puts batches back in any order,
/// and nothing from the wire that does not fit a batch reaches a merge.
@Suite struct StressBatchTests {
    /// Three accounts (a short straddle, a long perpetual, a call spread) and a
    /// 101-step grid: 3 x (101 + 2) = 309 stress scenarios, batches of 256 and 53.
    static func plan() throws -> EnginePlan {
        let grid = StressGrid(spotRange: 0.5, spotSteps: 50, volUp: 0.3, volDown: 0.2, dtePower: 0.5,
                              extended: [-0.66, 5.0], extendedWeight: 0.33)
        let accounts = [
            try StressTestTests.account("straddle", [("BTC-28MAR25-97000-C", -1), ("BTC-28MAR25-97000-P", -1)]),
            try StressTestTests.account("perp", [("ETH_USDC-PERPETUAL", 3)]),
            try StressTestTests.account("spread", [("BTC-28MAR25-97000-C", 2), ("BTC-28MAR25-130000-C", -2)]),
        ]
        return try StressTestTests.plan(accounts, stress: grid.scenarios(symbols: ["BTC", "ETH"]), scenarios: 5000)
    }

    @Test func unitsAreTheChunksThenTheStressBatches() throws {
        let plan = try Self.plan()
        let units = plan.units
        #expect(units.chunks.chunkCount == 5 && units.stressScenarios == 309 && units.stressBatches == 2 && units.count == 7)
        #expect(units.unit(4) == .scenarios(4096..<5000))
        #expect(units.unit(5) == .stress(0..<256))
        #expect(units.unit(6) == .stress(256..<309))
        #expect(!units.isStress(4) && units.isStress(5))
        #expect(units.describe(6) == "stress batch 1 (stress scenarios 256..<309)")
        #expect(units.describe(7) == "unit 7" && units.describe(-1) == "unit -1")
        #expect(WorkUnits(chunks: units.chunks, stressScenarios: 0).count == 5)
    }

    /// Each scenario's column is revalued on its own: a batch of any scenarios gives the
    /// same bits as the same columns of the whole test, and the merger puts the two
    /// batches back, in either order, into exactly `StressTest.losses`.
    @Test func batchesAreColumnsOfTheWholeTest() throws {
        let plan = try Self.plan()
        let test = plan.job.stress
        let whole = test.losses(plan: plan)
        let width = test.scenarios.count
        for range in [100..<200, 0..<1, 300..<309, 50..<306] where range.count <= 256 {
            let batch = test.batch(range, plan: plan)
            #expect(batch.fits(accounts: 3))
            for account in 0..<3 {
                let columns = Array(whole.losses[(account * width + range.lowerBound)..<(account * width + range.upperBound)])
                #expect(Array(batch.losses[(account * range.count)..<((account + 1) * range.count)]) == columns)
            }
        }
        var merger = StressMerger(plan: plan)
        #expect(!merger.isComplete && merger.losses == nil)
        let last = try merger.merge(unit: 6, test.batch(256..<309, plan: plan))
        #expect(last && merger.mergedUnits == [6])
        let first = try merger.merge(unit: 5, test.batch(0..<256, plan: plan))
        let again = try merger.merge(unit: 5, test.batch(0..<256, plan: plan))
        #expect(first && !again, "a second copy is not merged again")
        #expect(merger.losses == whole)
        // The straddle's worst grid loss is a real loss, and the numbers are finite.
        #expect(whole.losses.allSatisfy { $0.isFinite })
        #expect(try #require(whole.account(0)).component > 0)
    }

    /// A batch that is not the unit's range, or not one loss per account and scenario,
    /// or a unit that is a scenario chunk or none at all, is refused.
    @Test func batchesThatDoNotFitAreRefused() throws {
        let plan = try Self.plan()
        let batch = plan.job.stress.batch(0..<256, plan: plan)
        var merger = StressMerger(plan: plan)
        for (unit, candidate) in [
            (6, batch),
            (5, StressBatch(scenarios: 0..<256, losses: Array(batch.losses.dropLast()))),
            (5, StressBatch(scenarios: 0..<256, losses: batch.losses + [1])),
            (5, StressBatch(scenarios: 0..<255, losses: Array(batch.losses.prefix(3 * 255)))),
            (4, batch), (-1, batch), (7, batch), (Int.max, batch),
        ] {
            #expect(throws: EngineError.self, "unit \(unit)") { try merger.merge(unit: unit, candidate) }
        }
        #expect(merger.mergedUnits.isEmpty)
    }

    /// Audits compare batches bit for bit: the same NaN is equal (two honest machines
    /// agree), a NaN of another payload, -0 against +0, or the next double are not.
    @Test func batchesCompareBitForBit() {
        let losses = [1.5, .nan, -0.0]
        #expect(StressBatch(scenarios: 0..<3, losses: losses) == StressBatch(scenarios: 0..<3, losses: losses))
        for other in [[1.5, Double(nan: 7, signaling: false), -0.0], [1.5, .nan, 0.0], [(1.5).nextUp, .nan, -0.0]] {
            #expect(StressBatch(scenarios: 0..<3, losses: losses) != StressBatch(scenarios: 0..<3, losses: other))
        }
        #expect(StressBatch(scenarios: 0..<3, losses: losses) != StressBatch(scenarios: 1..<4, losses: losses))
    }

    /// Ranges from the wire: only a whole batch of the job passes.
    @Test func onlyWholeBatchesAreStressRanges() throws {
        let units = try Self.plan().units
        #expect(try units.checkedStressRange(first: 0, end: 256) == 0..<256)
        #expect(try units.checkedStressRange(first: 256, end: 309) == 256..<309)
        for (first, end) in [(0, 0), (0, 255), (0, 257), (1, 257), (256, 300), (256, 310), (309, 309), (512, 513),
                             (UInt64.max - 1, UInt64.max), (UInt64.max, 0), (256, UInt64.max)] as [(UInt64, UInt64)] {
            #expect(throws: EngineError.self, "\(first)..<\(end)") { try units.checkedStressRange(first: first, end: end) }
        }
    }
}
