import Foundation
import Testing
import TailGridTestSupport
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// Summaries from the wire are hostile until checked: every honest summary passes, every
/// forged or broken one is refused, and no summary whatever reaches a precondition.
@Suite("Summary checks")
struct SummaryCheckTests {
    static let plan: EnginePlan = try! EnginePlan(try! Fixtures.mixedJob(scenarios: 12_000, chunkSize: 3000))

    /// Honest summaries of every chunk, computed with the floors of a running merge.
    static let honest: [(summary: ChunkSummary, floors: [Double])] = {
        let computer = ChunkComputer(plan: plan)
        var merger = SummaryMerger(plan: plan)
        var result: [(ChunkSummary, [Double])] = []
        for index in 0..<plan.chunks.chunkCount {
            let floors = merger.admissionFloors
            let summary = computer.summarize(plan.chunks.range(ofChunk: index), floors: floors)
            try! merger.merge(chunk: index, summary, floors: floors)
            result.append((summary, floors))
        }
        return result
    }()

    @Test func honestSummariesPass() throws {
        var merger = SummaryMerger(plan: Self.plan)
        for (index, chunk) in Self.honest.enumerated() {
            try merger.check(chunk: index, chunk.summary, floors: chunk.floors)
            try merger.merge(chunk: index, chunk.summary, floors: chunk.floors)
        }
        _ = try EngineResult(plan: Self.plan, merged: merger)
    }

    struct Breakage: Sendable, CustomStringConvertible {
        let description: String
        /// What the refusal must say, for the rules of single tail entries (their one-pass
        /// check hands a broken tail to the walk that names the entry).
        var says: String? = nil
        let apply: @Sendable (inout AccountLossSummary, Range<UInt64>) -> Void
    }

    static let breakages: [Breakage] = [
        Breakage(description: "everything in the underflow, empty tail, zero sums") { summary, range in
            summary.histogram = LossHistogram(layout: summary.histogram.layout, counts: Array(repeating: 0, count: summary.histogram.counts.count),
                                              underflow: range.count, overflow: 0)
            summary.tail = []
            summary.sum = ExactSum()
            summary.sumOfSquares = ExactSum()
        },
        Breakage(description: "count one short") { summary, _ in summary.count -= 1 },
        Breakage(description: "a histogram bin one more") { summary, _ in summary.histogram.counts[10] += 1 },
        Breakage(description: "the largest loss dropped") { summary, _ in summary.tail.removeFirst() },
        Breakage(description: "the largest loss halved") { summary, _ in summary.tail[0].loss /= 2 },
        Breakage(description: "a scenario outside the chunk", says: "tail entry 1 names scenario") { summary, range in
            summary.tail[1].scenario = range.upperBound + 5
        },
        Breakage(description: "a scenario twice", says: "tail entry 3 names scenario") { summary, _ in
            summary.tail[2].scenario = summary.tail[3].scenario
        },
        Breakage(description: "tail not ranked", says: "the tail is not ranked at entry 1") { summary, _ in summary.tail.swapAt(0, 1) },
        Breakage(description: "a loss that is not finite", says: "tail entry 0 (inf) is not finite") { summary, _ in
            summary.tail[0].loss = .infinity
        },
        Breakage(description: "a loss that is NaN", says: "tail entry 4 (nan) is not finite") { summary, _ in summary.tail[4].loss = .nan },
        Breakage(description: "tail longer than kept") { summary, _ in
            summary.tail += (0..<3000).map { TailLoss(loss: -1e9 - Double($0), scenario: UInt64($0)) }
        },
        Breakage(description: "negative count") { summary, _ in summary.count = -1; summary.nonFiniteCount += 1 },
        Breakage(description: "sum of squares negative") { summary, _ in
            var negative = ExactSum()
            negative.add(-1)
            summary.sumOfSquares = negative
        },
        Breakage(description: "mean above the largest loss") { summary, _ in
            var sum = ExactSum()
            sum.add(summary.tail[0].loss * Double(summary.count) * 2 + 1)
            summary.sum = sum
        },
        Breakage(description: "losses moved to the overflow") { summary, _ in
            let bin = summary.histogram.counts.firstIndex { $0 > 0 } ?? 0
            summary.histogram.overflow += summary.histogram.counts[bin]
            summary.histogram.counts[bin] = 0
        },
    ]

    @Test(arguments: breakages)
    func brokenSummaryIsRefused(_ breakage: Breakage) throws {
        let merger = SummaryMerger(plan: Self.plan)
        let (honest, floors) = Self.honest[0]
        var broken = honest
        breakage.apply(&broken.accounts[0], honest.scenarios)
        #expect(broken != honest, "the breakage must change the summary")
        let error = #expect(throws: EngineError.self) { try merger.check(chunk: 0, broken, floors: floors) }
        if let says = breakage.says {
            #expect(error?.message.contains(says) == true, "\(error?.message ?? "no error")")
        }
    }

    /// The floors a chunk was sent are part of the check: a tail entry below its floor is
    /// refused, and a tail cut at a floor it was not sent is too.
    @Test func floorsAreChecked() throws {
        let merger = SummaryMerger(plan: Self.plan)
        let (summary, floors) = Self.honest[3]
        #expect(floors.allSatisfy { $0 > -.infinity }, "later chunks carry floors")
        #expect(throws: EngineError.self) { try merger.check(chunk: 3, summary, floors: nil) }
        let raised = floors.map { $0 + 1e6 }
        #expect(throws: EngineError.self) { try merger.check(chunk: 3, summary, floors: raised) }
        try merger.check(chunk: 3, summary, floors: floors)
    }

    /// A fixed budget of random mutations of honest summaries: the check and the merge never
    /// crash, and whatever passes still gives an estimate without trapping.
    @Test func randomMutationsNeverCrash() throws {
        var random = SplitMix64(seed: 2026)
        var refused = 0
        for case_ in 0..<3000 {
            var merger = SummaryMerger(plan: Self.plan)
            for (index, chunk) in Self.honest.enumerated() {
                var summary = chunk.summary
                if random.next() % 3 == 0 { Self.mutate(&summary, &random) }
                do {
                    try merger.merge(chunk: index, summary, floors: chunk.floors)
                } catch {
                    refused += 1
                }
            }
            if merger.isComplete {
                _ = try? EngineResult(plan: Self.plan, merged: merger)
            }
            _ = case_
        }
        #expect(refused > 500, "mutations are refused: \(refused)")
    }

    /// One `SummaryCheck.Scratch` serves every account of a chunk, refusals included (its
    /// bits of seen scenarios are cleared on every way out): over random mutations, each
    /// account's verdict through the shared scratch is the verdict of a fresh one.
    @Test func aSharedScratchGivesEveryAccountTheVerdictOfAFreshOne() throws {
        var random = SplitMix64(seed: 77)
        var refusals = 0
        let layouts = Self.plan.histogramLayouts
        for case_ in 0..<400 {
            let (honest, floors) = Self.honest[case_ % Self.honest.count]
            var summary = honest
            for _ in 0..<4 { Self.mutate(&summary, &random) }
            // A duplicate late in some tail, after its other scenarios were marked.
            if let account = summary.accounts.indices.randomElement(using: &random), summary.accounts[account].tail.count > 2 {
                let tail = summary.accounts[account].tail
                summary.accounts[account].tail[tail.count - 1].scenario = tail[0].scenario
            }
            var shared = SummaryCheck.Scratch()
            for (account, part) in summary.accounts.enumerated() {
                let viaShared: Bool
                do {
                    try SummaryCheck.check(part, scenarios: summary.scenarios, layout: layouts[account], tailCapacity: Self.plan.tailCapacity,
                                           floor: floors[account], scratch: &shared)
                    viaShared = true
                } catch {
                    viaShared = false
                }
                let viaFresh = (try? SummaryCheck.check(part, scenarios: summary.scenarios, layout: layouts[account],
                                                        tailCapacity: Self.plan.tailCapacity, floor: floors[account])) != nil
                #expect(viaShared == viaFresh, "case \(case_), account \(account)")
                if !viaFresh { refusals += 1 }
            }
        }
        #expect(refusals > 400, "mutations are refused: \(refusals)")
    }

    static func mutate(_ summary: inout ChunkSummary, _ random: inout SplitMix64) {
        let account = Int(random.next() % UInt64(summary.accounts.count))
        var target = summary.accounts[account]
        let extremes: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, 1e308, -1e308, .leastNonzeroMagnitude, 1, -1]
        switch random.next() % 9 {
        case 0: target.count = Int(truncatingIfNeeded: random.next())
        case 1: target.nonFiniteCount = Int(truncatingIfNeeded: random.next() % 5)
        case 2 where !target.tail.isEmpty:
            target.tail[Int(random.next() % UInt64(target.tail.count))].loss = extremes[Int(random.next() % 10)]
        case 3 where !target.tail.isEmpty:
            target.tail[Int(random.next() % UInt64(target.tail.count))].scenario = random.next()
        case 4: target.histogram.counts[Int(random.next() % 64)] = Int(truncatingIfNeeded: random.next())
        case 5: target.histogram.underflow = Int(truncatingIfNeeded: random.next() % 100_000)
        case 6: target.tail.shuffle(using: &random)
        case 7: target.sum = ExactSum(limbs: SIMD4(random.next(), random.next(), random.next(), random.next()), isInvalid: random.next() % 2 == 0)
        default: target.tail = Array(target.tail.prefix(Int(random.next() % 50)))
        }
        summary.accounts[account] = target
    }

    /// Losses that overflow a double (vol 19.9, a year, Student-t with 2.05 degrees of
    /// freedom) give a job error with a true message, never a trap in the histogram.
    @Test func overflowingModelsFailWithATrueMessage() throws {
        let market = try MarketData(valuationTime: Fixtures.valuationTime, rate: 0, underlyings: [
            try Underlying(symbol: "BTC", spot: 97_600, vol: 19.9, volOfVol: nil, carry: 0),
        ])
        let account = Account(id: "short", collateral: [], positions: [try Fixtures.position("BTC", -1e6)])
        var job = try Fixtures.job(accounts: [account], scenarios: 4096, chunkSize: 1024, model: .studentT(degreesOfFreedom: 2.05), market: market)
        job.horizonDays = 364
        let plan = try EnginePlan(job)
        do {
            _ = try LocalRunner(plan: plan, threads: 2).run()
        } catch {
            #expect(error.code == .nonFiniteLoss)
            #expect(!error.message.contains(" 0 of "), "\(error.message)")
        }
        let layout = LossHistogram.Layout(pilotLosses: [-1.7e308, 1.7e308])
        var histogram = LossHistogram(layout: layout)
        for loss in [-1.7e308, 0, 1.7e308, .greatestFiniteMagnitude, -.greatestFiniteMagnitude] { histogram.add(loss) }
        #expect(histogram.total == 5)
    }

    @Test func reversedOrForeignRangesAreRefused() {
        let chunks = ChunkPlan(scenarios: 1000, chunkSize: 256)
        #expect(throws: EngineError.self) { try chunks.checkedRange(first: 500, end: 100) }
        #expect(throws: EngineError.self) { try chunks.checkedRange(first: 0, end: 1001) }
        #expect(throws: EngineError.self) { try chunks.checkedRange(first: UInt64.max - 1, end: UInt64.max) }
        #expect(throws: EngineError.self) { try chunks.checkedRange(first: 7, end: 7) }
        #expect((try? chunks.checkedRange(first: 256, end: 512)) == 256..<512)
    }
}

/// A small seeded generator for the property tests.
