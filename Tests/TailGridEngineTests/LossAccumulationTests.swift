import Testing
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// The vectorised per-loss work (`LossAccumulator.add(negatedProfits:)`, rows aggregated
/// on demand) against the plainest form of the same contract: every account's row from
/// `TileEvaluator.evaluate` and one `add(loss:scenario:)` per loss. Equal summaries, bit
/// for bit: counts, exact sums, histograms and tails.
@Suite("Loss accumulation")
struct LossAccumulationTests {
    /// A sparse book with coin-margined accounts and a dependence stress (three loss rows
    /// per account), over ranges that start and end inside tiles, with and without floors.
    @Test(arguments: [(0, 4096), (300, 5_000), (1_000, 1_001), (7_937, 12_000)])
    func chunkSummaryEqualsOneLossAtATime(first: Int, end: Int) throws {
        var job = try Fixtures.mixedJob(aggregation: .sparse)
        job.accounts += [
            Account(id: "coins", collateral: [.init(currency: "BTC", amount: 3)],
                    positions: [try Fixtures.position("BTC-28MAR25-110000-C", -2), try Fixtures.position("ETH-PERPETUAL", 20_000)],
                    marginCoin: "BTC"),
            Account(id: "ether", collateral: [.init(currency: "USD", amount: 50_000)],
                    positions: [try Fixtures.position("ETH-28MAR25-2500-P", 30)], marginCoin: "ETH"),
        ]
        job.dependence = DependenceStress(confidence: 0.995)
        let plan = try EnginePlan(job)
        #expect(plan.evaluator.positions.layout == .sparse)
        #expect(plan.lossRowCount == 3 * job.accounts.count)
        let range = UInt64(first)..<UInt64(end)
        let reference = Self.oneLossAtATime(plan: plan, range: range, floors: nil)
        let computed = ChunkComputer(plan: plan).summarize(range)
        #expect(computed == reference)
        // Floors in the middle of each row's losses: only the tails change, identically.
        let floors = reference.accounts.map { $0.sum.value / Double(max(1, $0.count)) }
        #expect(ChunkComputer(plan: plan).summarize(range, floors: floors) == Self.oneLossAtATime(plan: plan, range: range, floors: floors))
    }

    /// Losses a block must send one by one or count at the edges: NaN, infinities, a loss
    /// whose square overflows, the bounds of the histogram and their neighbours, and
    /// degenerate layouts; in runs of 1 to 600 (blocks of 256, partial blocks).
    @Test(arguments: [1, 7, 8, 255, 256, 257, 600])
    func hostileLossesGiveTheSameSummary(count: Int) {
        let layouts = [
            LossHistogram.Layout(lower: -1_000, upper: 3_000),
            LossHistogram.Layout(lower: 5, upper: 5),
            LossHistogram.Layout(lower: -.infinity, upper: .nan),
            LossHistogram.Layout(lower: -1e308, upper: 1e308, binCount: 7),
            LossHistogram.Layout(lower: 0, upper: 1e-300, binCount: 1),
        ]
        var generator = SplitMix64(seed: UInt64(count) &* 104_729)
        for layout in layouts {
            let specials = [layout.lower, layout.upper, layout.lower.nextDown, layout.lower.nextUp, layout.upper.nextDown,
                            layout.upper.nextUp, 0, -0.0, 1e200, -1e200, 1e308, .greatestFiniteMagnitude,
                            .leastNonzeroMagnitude, 0x1p115, 0x1p124]
            for poison in [Double?.none, .nan, .infinity, -.infinity] {
                var losses = (0..<count).map { _ -> Double in
                    switch generator.next() % 4 {
                    case 0: specials[Int(generator.next() % UInt64(specials.count))]
                    case 1: layout.lower + (layout.upper - layout.lower) * generator.openUnit()
                    default: (generator.openUnit() - 0.3) * 4_000
                    }
                }
                if let poison { losses[Int(generator.next() % UInt64(count))] = poison }
                var one = LossAccumulator(histogramLayout: layout, tailCapacity: 50, floor: -.infinity)
                for (index, loss) in losses.enumerated() { one.add(loss: loss, scenario: 1_000 + UInt64(index)) }
                var block = LossAccumulator(histogramLayout: layout, tailCapacity: 50, floor: -.infinity)
                let profits = losses.map { -$0 }
                profits.withUnsafeBufferPointer { block.add(negatedProfits: $0.baseAddress!, count: count, firstScenario: 1_000) }
                let expected = one.takeSummary()
                #expect(block.takeSummary() == expected, "layout \(layout), poison \(String(describing: poison))")
                #expect(expected.histogram.total + expected.nonFiniteCount == count)
            }
        }
    }

    /// Losses equal to the admission loss: a few distinct values, so the tail's bar and the
    /// floor (one of the values) are tied by many losses, which the block pass must offer
    /// (a loss at the bar is admitted when its scenario ranks first, one at the floor always).
    @Test(arguments: [8, 256, 600])
    func lossesTiedWithTheBarAreOffered(count: Int) {
        var generator = SplitMix64(seed: UInt64(count) &* 7_727)
        let values: [Double] = [-250, 0, 125, 500, 750, 1_000]
        let losses = (0..<count).map { _ in values[Int(generator.next() % UInt64(values.count))] }
        let layout = LossHistogram.Layout(lower: -1_000, upper: 3_000)
        for floor in [-Double.infinity, 500, 1_000] {
            var one = LossAccumulator(histogramLayout: layout, tailCapacity: 5, floor: floor)
            for (index, loss) in losses.enumerated() { one.add(loss: loss, scenario: 2_000 + UInt64(index)) }
            var block = LossAccumulator(histogramLayout: layout, tailCapacity: 5, floor: floor)
            let profits = losses.map { -$0 }
            profits.withUnsafeBufferPointer { block.add(negatedProfits: $0.baseAddress!, count: count, firstScenario: 2_000) }
            let expected = one.takeSummary()
            #expect(block.takeSummary() == expected, "floor \(floor)")
            #expect(expected.tail.count == min(5, losses.filter { $0 >= floor }.count))
        }
    }

    /// The one-pass route (`LossMoments.add(negatedProfits:scratch:reachingBar:)`) takes a
    /// block only at splits a block taken the long way set, and refuses, having added
    /// nothing, a block of larger losses (which the long way then takes, raising the
    /// splits), one with a NaN or an infinity, and one of losses 40 binades below the
    /// row's largest. Over a row of such blocks, each taken the one-pass way where it can
    /// be and the long way where not, the moments equal adding the losses one by one, and
    /// the groups it marks are those holding a loss at or above the bar.
    @Test func theOnePassRouteTakesWhatItCanAndRefusesTheRest() {
        let size = LossBlock.size
        var generator = SplitMix64(seed: 8_191)
        // Losses of either sign between scale and twice it (none near zero, whose square's
        // bits reach far below the largest square's: the route may refuse such a block).
        func block(scale: Double) -> [Double] {
            (0..<size).map { _ in (generator.next() % 3 == 0 ? -scale : scale) * (1 + generator.openUnit()) }
        }
        let layout = LossHistogram.Layout(lower: -2_000, upper: 8_000)
        var poisoned = block(scale: 1_000)
        poisoned[77] = .nan
        var infinite = block(scale: 1_000)
        infinite[200] = -.infinity
        var whole = block(scale: 1_000).map { $0.rounded() }
        whole[3] = 0
        whole[4] = -0.0
        // (losses, whether the one-pass route takes them)
        let blocks: [([Double], Bool)] = [
            (block(scale: 1_000), false),  // no splits yet
            (block(scale: 1_000), true),
            (whole, true),
            (block(scale: 100), true),
            (block(scale: 50_000), false),  // a larger block: the long way raises the splits
            (block(scale: 900), true),
            (poisoned, false),
            (infinite, false),
            (block(scale: 1_000 * 0x1p-40), false),  // bits below the second unit
            (block(scale: 2_000), true),
            ([Double](repeating: 0, count: size), true),
        ]
        var one = LossMoments(histogramLayout: layout)
        var routed = LossMoments(histogramLayout: layout)
        let bar = 600.0
        LossBlock.withScratch(binCount: layout.binCount) { scratch in
            for (index, (losses, taken)) in blocks.enumerated() {
                for loss in losses { _ = one.add(loss: loss) }
                let profits = losses.map { -$0 }
                let groups = profits.withUnsafeBufferPointer { routed.add(negatedProfits: $0.baseAddress!, scratch: scratch, reachingBar: bar) }
                #expect((groups != nil) == taken, "block \(index)")
                if let groups {
                    var expected: UInt64 = 0
                    for group in 0..<size / 4 where losses[4 * group..<4 * group + 4].contains(where: { $0 >= bar }) {
                        expected |= 1 << UInt64(group)
                    }
                    #expect(groups == expected, "block \(index)")
                } else {
                    // The long way, as `add(negatedProfits:count:firstScenario:scratch:offeringTo:)`
                    // takes a refused block: whole when its losses are finite (which raises the
                    // splits), else one by one.
                    let whole = profits.withUnsafeBufferPointer { routed.add(negatedProfits: $0.baseAddress!, count: size, scratch: scratch) }
                    #expect(whole == losses.allSatisfy(\.isFinite), "block \(index)")
                    if !whole { for loss in losses { _ = routed.add(loss: loss) } }
                }
            }
        }
        #expect(routed.summary(tail: []) == one.summary(tail: []))
    }

    /// `Layout.slot(of:)`, the branch-free index the block pass counts by, names the
    /// region `region(of:)` gives, for losses at and around every bin edge.
    @Test func slotNamesTheRegion() {
        let layouts = [
            LossHistogram.Layout(lower: -1_000, upper: 3_000),
            LossHistogram.Layout(pilotLosses: [-12.5, 0.1, 980.25]),
            LossHistogram.Layout(lower: 5, upper: 5),
            LossHistogram.Layout(lower: -.infinity, upper: .nan),
            LossHistogram.Layout(lower: 0, upper: 1e-300, binCount: 3),
        ]
        for layout in layouts {
            var losses: [Double] = [-.greatestFiniteMagnitude, .greatestFiniteMagnitude, 0, -0.0]
            for bin in 0...layout.binCount {
                let edge = layout.lower + Double(bin) * layout.binWidth
                losses += [edge, edge.nextDown, edge.nextUp, edge + 0.5 * layout.binWidth]
            }
            for loss in losses where loss.isFinite {
                let expected = switch layout.region(of: loss) {
                case .bin(let bin): bin
                case .underflow: layout.binCount
                case .overflow: layout.binCount + 1
                }
                #expect(layout.slot(of: loss) == expected, "loss \(loss) in \(layout)")
            }
        }
    }

    /// The summary of `range` as the engine defined it before any of its passes were
    /// vectorised: each evaluator's full account rows, one loss at a time.
    static func oneLossAtATime(plan: EnginePlan, range: Range<UInt64>, floors: [Double]?) -> ChunkSummary {
        let accounts = plan.job.accounts.count
        let capacity = max(1, min(plan.tailCapacity, range.count))
        var accumulators = (0..<plan.lossRowCount).map {
            LossAccumulator(histogramLayout: plan.histogramLayouts[$0], tailCapacity: capacity, floor: floors?[$0] ?? -.infinity)
        }
        let evaluators = plan.evaluators
        let workspaces = evaluators.map { $0.makeWorkspace() }
        let width = UInt64(ScenarioTile.size)
        var tileStart = ScenarioTile.start(of: range.lowerBound)
        while tileStart < range.upperBound {
            for (evaluator, workspace) in zip(evaluators, workspaces) {
                evaluator.evaluate(tileStart: tileStart, workspace: workspace)
            }
            for row in 0..<plan.lossRowCount {
                let profits = workspaces[row / accounts].accountProfit
                for scenario in max(tileStart, range.lowerBound)..<min(tileStart + width, range.upperBound) {
                    let loss = -profits[(row % accounts) * Int(width) + Int(scenario - tileStart)]
                    accumulators[row].add(loss: loss, scenario: scenario)
                }
            }
            tileStart += width
        }
        return ChunkSummary(scenarios: range, accounts: accumulators.indices.map { accumulators[$0].takeSummary() })
    }
}
