import Testing
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// The contract every part keeps: results do not depend on how the scenario range is
/// split, by whom, or in what order the pieces are merged.
@Suite("Bit-identical results")
struct DeterminismTests {
    static let reference: [[UInt64]] = {
        let plan = try! EnginePlan(try! Fixtures.mixedJob(chunkSize: 4096))
        return try! LocalRunner(plan: plan, threads: 1).run().accounts.map(\.bitSignature)
    }()

    @Test(arguments: [1, 255, 256, 777, 1000, 8192, 20_000])
    func anyChunkSize(chunkSize: Int) throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(chunkSize: chunkSize))
        let result = try LocalRunner(plan: plan, threads: 2).run()
        #expect(result.accounts.map(\.bitSignature) == Self.reference)
    }

    /// A put is revalued with the call at its strike when the book holds both (one
    /// Black-76 call for the two, the put by parity): an account holding the put has the
    /// same summary, bit for bit, in a book without that call (the put priced alone), as
    /// a what-if on a smaller book needs.
    @Test func aPutsLossesDoNotDependOnItsCallBeingInTheBook() throws {
        let putHolder = Account(id: "puts", collateral: [.init(currency: "USD", amount: 50_000)],
                                positions: [try Fixtures.position("ETH-28MAR25-2500-P", 40),
                                            try Fixtures.position("BTC-28MAR25-90000-P", -3)])
        let callHolder = Account(id: "calls", collateral: [.init(currency: "USD", amount: 50_000)],
                                 positions: [try Fixtures.position("ETH-28MAR25-2500-C", -40),
                                             try Fixtures.position("BTC-28MAR25-90000-C", 3)])
        let paired = try EnginePlan(try Fixtures.job(accounts: [putHolder, callHolder], scenarios: 4096))
        let alone = try EnginePlan(try Fixtures.job(accounts: [putHolder], scenarios: 4096))
        #expect(paired.evaluator.instruments.count == 4 && alone.evaluator.instruments.count == 2)
        #expect(paired.evaluator.pairedPutCount == 2 && alone.evaluator.pairedPutCount == 0)
        let range: Range<UInt64> = 0..<4096
        let withCalls = ChunkComputer(plan: paired).summarize(range).accounts[0]
        let withoutCalls = ChunkComputer(plan: alone).summarize(range).accounts[0]
        #expect(withCalls == withoutCalls)
        #expect(withCalls.tail.count > 0 && withCalls.count == 4096)
    }

    @Test(arguments: [1, 2, 3, 8])
    func anyThreadCount(threads: Int) throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(chunkSize: 1000))
        let result = try LocalRunner(plan: plan, threads: threads).run()
        #expect(result.accounts.map(\.bitSignature) == Self.reference)
    }

    /// Tied losses are ranked by scenario. An account of cash alone loses exactly 0 in
    /// every scenario, so its tail is the first k scenarios: a local run's shared tails,
    /// offered to by any number of threads, keep the same entries in the same order as
    /// chunk summaries merged in reverse.
    @Test func tiedLossesKeepTheSameTailForAnyThreadCount() throws {
        var job = try Fixtures.mixedJob(scenarios: 12_000, chunkSize: 1000)
        job.accounts.append(Account(id: "cash", collateral: [.init(currency: "USD", amount: 1_000)], positions: []))
        let plan = try EnginePlan(job)
        var merger = SummaryMerger(plan: plan)
        let computer = ChunkComputer(plan: plan)
        for chunk in (0..<plan.chunks.chunkCount).reversed() {
            try merger.merge(chunk: chunk, computer.summarize(plan.chunks.range(ofChunk: chunk)))
        }
        let merged = Array(merger.summaries().prefix(job.accounts.count).map(\.tail))
        #expect(merged.last?.allSatisfy { $0.loss == 0 } == true)
        #expect(merged.last?.map(\.scenario) == Array(0..<UInt64(plan.tailCapacity)))
        for threads in [1, 2, 5] {
            #expect(try LocalRunner(plan: plan, threads: threads).tails() == merged, "\(threads) threads")
        }
    }

    /// A book of 150 accounts (many rows, so the threads rank the tails between them, a
    /// few dozen rows at a time): any thread count keeps the tails that chunk summaries
    /// merged in reverse keep, entry for entry.
    @Test func manyAccountsKeepTheSameTailsForAnyThreadCount() throws {
        let mixed = try Fixtures.mixedJob(scenarios: 12_000, chunkSize: 1000)
        let accounts = (0..<150).map { index in
            let base = mixed.accounts[index % mixed.accounts.count]
            return Account(id: "\(base.id)-\(index)", collateral: base.collateral,
                           positions: base.positions.map { .init(instrument: $0.instrument, quantity: $0.quantity * Double(1 + index % 7)) })
        }
        let plan = try EnginePlan(try Fixtures.job(accounts: accounts, scenarios: 12_000, chunkSize: 1000, model: mixed.model,
                                                   market: mixed.market, correlation: mixed.correlation))
        var merger = SummaryMerger(plan: plan)
        let computer = ChunkComputer(plan: plan)
        for chunk in (0..<plan.chunks.chunkCount).reversed() {
            try merger.merge(chunk: chunk, computer.summarize(plan.chunks.range(ofChunk: chunk)))
        }
        let merged = Array(merger.summaries().prefix(accounts.count).map(\.tail))
        #expect(merged.count == 150 && merged.allSatisfy { $0.count == plan.tailCapacity })
        for threads in [1, 2, 3] {
            #expect(try LocalRunner(plan: plan, threads: threads).tails() == merged, "\(threads) threads")
        }
    }

    /// Merging chunk summaries in reverse or shuffled order, with duplicates, changes nothing.
    @Test func anyMergeOrder() throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(chunkSize: 3000))
        let computer = ChunkComputer(plan: plan)
        let summaries = (0..<plan.chunks.chunkCount).map { computer.summarize(plan.chunks.range(ofChunk: $0)) }
        var order = Array(summaries.indices)
        var state: UInt64 = 17
        for index in order.indices.reversed() {
            state = state &* 6_364_136_223_846_793_005 &+ 1
            order.swapAt(index, Int(state >> 33) % (index + 1))
        }
        var merger = SummaryMerger(plan: plan)
        for index in order {
            try merger.merge(chunk: index, summaries[index])
            #expect(try merger.merge(chunk: index, summaries[index]) == false, "a duplicate is ignored")
        }
        let result = try EngineResult(plan: plan, merged: merger)
        #expect(result.accounts.map(\.bitSignature) == Self.reference)
    }

    /// The merged tails give exactly the VaR and ES of sorting all N losses at once.
    @Test func mergeEqualsSortingEveryLoss() throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(scenarios: 5000, chunkSize: 700))
        let result = try LocalRunner(plan: plan, threads: 2).run()
        let workspace = plan.evaluator.makeWorkspace()
        let width = ScenarioTile.size
        var losses = [[TailLoss]](repeating: [], count: plan.job.accounts.count)
        for tile in stride(from: 0, to: 5000, by: width) {
            plan.evaluator.evaluate(tileStart: UInt64(tile), workspace: workspace)
            for account in losses.indices {
                for column in 0..<width where tile + column < 5000 {
                    losses[account].append(TailLoss(loss: -workspace.accountProfit[account * width + column],
                                                    scenario: UInt64(tile + column)))
                }
            }
        }
        for (account, all) in losses.enumerated() {
            let sorted = all.sorted { $0.ranksBefore($1) }
            for (level, confidence) in plan.job.confidences.enumerated() {
                let k = TailEstimate.tailCount(scenarios: 5000, confidence: confidence)
                let expectedVaR = sorted[k - 1].loss
                var sum = 0.0
                for index in 0..<k { sum += sorted[index].loss }
                let estimate = result.accounts[account].estimates[level]
                #expect(estimate.valueAtRisk.bitPattern == expectedVaR.bitPattern)
                #expect(estimate.expectedShortfall.bitPattern == (sum / Double(k)).bitPattern)
            }
            var exact = ExactSum()
            for loss in all { exact.add(loss.loss) }
            #expect(result.accounts[account].meanLoss == exact.value / 5000)
        }
    }

    /// Taking the summaries out of a merger (what a run does, so the tails are not held
    /// twice) gives what reading them gives, pending entries merged in, and leaves that
    /// merger empty; a copy made before keeps its own.
    @Test func takingTheSummariesEqualsReadingThem() throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(scenarios: 12_000, chunkSize: 500))
        let computer = ChunkComputer(plan: plan)
        var merger = SummaryMerger(plan: plan)
        for index in 0..<plan.chunks.chunkCount {
            try merger.merge(chunk: index, computer.summarize(plan.chunks.range(ofChunk: index), floors: merger.admissionFloors),
                             floors: merger.admissionFloors)
        }
        let read = merger.summaries()
        let kept = merger
        let taken = merger.takeSummaries()
        #expect(taken == read)
        #expect(taken.allSatisfy { $0.tail.count == plan.tailCapacity && $0.count == 12_000 })
        #expect(merger.summaries().isEmpty)
        #expect(kept.summaries() == read)
    }

    /// Dense and sparse aggregation sum alike: the same bits, every account and figure.
    @Test func denseAndSparseAggregationAreTheSameBits() throws {
        let dense = try LocalRunner(plan: try EnginePlan(try Fixtures.mixedJob(aggregation: .dense))).run()
        let sparse = try LocalRunner(plan: try EnginePlan(try Fixtures.mixedJob(aggregation: .sparse))).run()
        #expect(dense.accounts.count == sparse.accounts.count && !dense.accounts.isEmpty)
        for (a, b) in zip(dense.accounts, sparse.accounts) {
            #expect(a.bitSignature == b.bitSignature, "\(a.id)")
        }
    }

    /// A tail floor (what a coordinator passes once its tails are full) drops only losses
    /// that could not enter the merged tail: the result is unchanged.
    @Test func floorsFromTheMergeChangeNothing() throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(chunkSize: 2048))
        let computer = ChunkComputer(plan: plan)
        var merger = SummaryMerger(plan: plan)
        var shipped = 0
        for index in 0..<plan.chunks.chunkCount {
            let floors = merger.admissionFloors
            let summary = computer.summarize(plan.chunks.range(ofChunk: index), floors: floors)
            shipped += summary.accounts.map(\.tail.count).reduce(0, +)
            try merger.merge(chunk: index, summary, floors: floors)
        }
        let result = try EngineResult(plan: plan, merged: merger)
        #expect(result.accounts.map(\.bitSignature) == Self.reference)
        let unfiltered = plan.chunks.chunkCount * plan.tailCapacity * plan.job.accounts.count
        #expect(shipped < unfiltered / 2, "floors cut the tail traffic: \(shipped) of \(unfiltered) entries")
    }
}
