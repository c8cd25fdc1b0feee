import Testing
import TailGridEngine
import TailGridNumerics

/// Staged floors: a local run with pilot floors stops after its first chunks and raises
/// each row's floor to the r-th largest loss so far. The stages end where they should,
/// the raised floor is the r-th largest of those scenarios (against an unfloored summary
/// of them) and below the job's k-th largest loss, the end check refuses a tail a floor
/// starved, and a staged run is the same bits and tails as the merge of every chunk.
@Suite("Staged floors")
struct StagedFloorsTests {
    /// Stages end at the first chunk boundaries at or past 4, 16, 64, ... times the pilot's
    /// scenarios, while at most half the job's, and cover every chunk once.
    @Test(arguments: [
        (100_000, 8192, [1, 4, 13]),
        (100_000, 2048, [4, 16, 49]),
        (80_000, 2048, [4, 16, 40]),
        (10_000_000, 4096, [2, 8, 32, 128, 512, 2442]),
        (40_000, 4096, [2, 10]),
        (1000, 100, [10]),
        (16_384, 16_384, [1]),
        (20_000, 3000, [3, 7]),
    ])
    func stagesEndPastFourTimesThePilot(scenarios: Int, chunkSize: Int, ends: [Int]) {
        let chunks = ChunkPlan(scenarios: scenarios, chunkSize: chunkSize)
        let stages = StagedFloors.stages(of: chunks)
        #expect(stages.map(\.upperBound) == ends)
        #expect(stages.first?.lowerBound == 0)
        for (stage, next) in zip(stages, stages.dropFirst()) { #expect(stage.upperBound == next.lowerBound && !stage.isEmpty) }
        for stage in stages.dropLast() {
            #expect(Int(chunks.range(ofChunk: stage.upperBound - 1).upperBound) <= scenarios / 2)
        }
    }

    /// A plan near the integers' limit (built in code: a job file allows 1e8 scenarios)
    /// gets its stages without overflowing: every chunk once, each early stage within half.
    @Test func stagesOfAHugePlanDoNotOverflow() {
        let chunks = ChunkPlan(scenarios: 1 << 62, chunkSize: 1 << 40)
        let stages = StagedFloors.stages(of: chunks)
        #expect(stages.count > 10 && stages.last?.upperBound == chunks.chunkCount)
        for (stage, next) in zip(stages, stages.dropFirst()) { #expect(stage.upperBound == next.lowerBound) }
    }

    /// After the first 8,192 of 40,000 scenarios (the fixture's first stage), floors raised
    /// from tails that kept only losses at the pilot's floors are the r-th largest loss of
    /// those scenarios (from a summary of them without floors) where that is above the
    /// pilot's floor, else the pilot's; each lies at or below the account's k-th largest of
    /// the whole job. A row whose losses were not all finite keeps its floor.
    @Test func raisedFloorIsTheRthLargestSoFar() throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(scenarios: 40_000, chunkSize: 4096))
        let stages = StagedFloors.stages(of: plan.chunks)
        #expect(stages.count == 2)
        let first = try #require(stages.first)
        let scenarios = Int(plan.chunks.range(ofChunk: first.upperBound - 1).upperBound)
        #expect(scenarios == 8192)
        let rank = try #require(StagedFloors.rank(scenarios: scenarios, plan: plan, stageCount: stages.count - 1))
        #expect(rank == PilotFloors.floorRank(pilot: scenarios, scenarios: plan.job.scenarios, tailCapacity: plan.tailCapacity))
        let pilot = PilotFloors.floors(for: plan)
        let computer = ChunkComputer(plan: plan)
        let floored = computer.summarize(0..<UInt64(scenarios), floors: pilot).accounts
        let unfloored = computer.summarize(0..<UInt64(scenarios)).accounts
        let kept = floored.map { $0.tail.count >= rank ? $0.tail[rank - 1].loss : nil }
        let raised = StagedFloors.raised(pilot, keptLosses: kept, finiteCounts: floored.map(\.count), scenarios: scenarios)
        var merger = SummaryMerger(plan: plan)
        for chunk in 0..<plan.chunks.chunkCount {
            try merger.merge(chunk: chunk, computer.summarize(plan.chunks.range(ofChunk: chunk)))
        }
        let job = merger.summaries()
        var rose = 0
        for row in 0..<plan.lossRowCount {
            let rthLargest = unfloored[row].tail[rank - 1].loss
            #expect(raised[row] == Swift.max(pilot[row], rthLargest), "row \(row)")
            #expect(raised[row] <= job[row].tail[plan.tailCapacity - 1].loss, "row \(row)")
            if raised[row] > pilot[row] { rose += 1 }
        }
        #expect(rose == plan.lossRowCount, "every row's floor rose above the pilot's")
        var oneNotFinite = floored.map(\.count)
        oneNotFinite[1] -= 1
        let kept1 = StagedFloors.raised(pilot, keptLosses: kept, finiteCounts: oneNotFinite, scenarios: scenarios)
        #expect(kept1[1] == pilot[1] && kept1[0] == raised[0])
    }

    /// The end check: a full tail whose k-th loss lies below the row's highest floor was
    /// starved of losses between the two; a tail shorter than min(k, count) lost some; a
    /// row with fewer finite losses than k must keep them all.
    @Test func heldNeedsTheKthLossAtTheFloor() {
        let tail = (0..<10).map { TailLoss(loss: Double(100 - $0), scenario: UInt64($0)) }
        #expect(StagedFloors.held(tail: tail, count: 500, capacity: 10, floor: 91))
        #expect(StagedFloors.held(tail: tail, count: 500, capacity: 10, floor: 50))
        #expect(!StagedFloors.held(tail: tail, count: 500, capacity: 10, floor: 91.5))
        #expect(!StagedFloors.held(tail: Array(tail.prefix(9)), count: 500, capacity: 10, floor: 50))
        #expect(StagedFloors.held(tail: Array(tail.prefix(9)), count: 9, capacity: 10, floor: 95))
        #expect(!StagedFloors.held(tail: Array(tail.prefix(8)), count: 9, capacity: 10, floor: 50))
    }

    /// Runs of two and three stages (40,000 scenarios in chunks of 4,096: 2 and 8 chunks;
    /// 80,000 in chunks of 2,048: 4, 12 and 24; 100,000 in chunks of 8,192: 1, 3 and 9)
    /// with pilot and raised floors, on 1 to 3 threads, give the bits and the tails of a
    /// run without floors and of the merge of every chunk.
    @Test(arguments: [(40_000, 4096, 2), (80_000, 2048, 3), (100_000, 8192, 3)], [1, 2, 3])
    func stagedRunIsTheMergesBits(size: (scenarios: Int, chunkSize: Int, stages: Int), threads: Int) throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(scenarios: size.scenarios, chunkSize: size.chunkSize))
        #expect(StagedFloors.stages(of: plan.chunks).count == size.stages)
        var merger = SummaryMerger(plan: plan)
        let computer = ChunkComputer(plan: plan)
        for chunk in 0..<plan.chunks.chunkCount {
            try merger.merge(chunk: chunk, computer.summarize(plan.chunks.range(ofChunk: chunk)))
        }
        let merged = try EngineResult(plan: plan, merged: merger)
        let staged = LocalRunner(plan: plan, threads: threads, pilotFloors: .pilot)
        #expect(try staged.run().accounts.map(\.bitSignature) == merged.accounts.map(\.bitSignature))
        let off = try LocalRunner(plan: plan, threads: threads, pilotFloors: .off).run()
        #expect(off.accounts.map(\.bitSignature) == merged.accounts.map(\.bitSignature))
        let tails = try staged.tails()
        let truth = merger.summaries().prefix(plan.job.accounts.count).map(\.tail)
        #expect(tails == Array(truth))
    }
}
