import Testing
import TailGridNumerics

@Suite("VaR and ES from tails")
struct TailEstimateTests {
    @Test(arguments: [
        (100_000, 0.99, 1000),
        (100_000, 0.995, 500),
        (10_000, 0.975, 250),
        (1000, 0.999, 1),
        (999, 0.99, 10),
        (10, 0.9999, 1),
    ])
    func tailCountGuardsFloatingError(scenarios: Int, confidence: Double, expected: Int) {
        #expect(TailEstimate.tailCount(scenarios: scenarios, confidence: confidence) == expected)
    }

    /// Losses 1...100 at 95%: k = 5, VaR = 96, ES = mean(96...100) = 98.
    @Test func smallExactCase() {
        let tail = (1...100).reversed().map { TailLoss(loss: Double($0), scenario: UInt64($0)) }
        let estimate = TailEstimate(confidence: 0.95, scenarios: 100, rankedTail: tail)
        #expect(estimate.tailCount == 5)
        #expect(estimate.valueAtRisk == 96)
        #expect(estimate.expectedShortfall == 98)
        #expect(estimate.valueAtRiskScenario == 96)
        #expect(estimate.valueAtRiskInterval95.contains(96))
    }

    /// Selecting with the bounded heap, in pieces, and merging equals sorting everything.
    @Test(arguments: [1, 13, 500, 4096])
    func selectionAndMergeEqualAFullSort(piece: Int) {
        var generator = SplitMix64(seed: UInt64(piece))
        // Rounded losses force many ties, which must break by scenario index.
        let losses = (0..<20_000).map { _ in (generator.openUnit() * 200).rounded() }
        let capacity = 700
        var merged: [TailLoss] = []
        for start in stride(from: 0, to: losses.count, by: piece) {
            var selector = TailSelector(capacity: capacity)
            for index in start..<min(losses.count, start + piece) {
                selector.offer(loss: losses[index], scenario: UInt64(index))
            }
            merged = .mergedTail(merged, selector.takeRankedTail(), capacity: capacity)
        }
        let sorted = losses.enumerated().map { TailLoss(loss: $0.element, scenario: UInt64($0.offset)) }
            .sorted { $0.ranksBefore($1) }
        #expect(merged == Array(sorted.prefix(capacity)))
    }

    /// Merging ranked batches into a tail keeps the first `capacity` of everything sorted
    /// together, wherever a batch lands (above all, across, just above the bar, past a
    /// full tail), with ties of equal losses broken by scenario, filling or full. The merge
    /// is in place: once the tail has its room it keeps its storage, and its entries that
    /// rank before the whole batch are not written at all.
    @Test(arguments: 0..<8)
    func batchMergesEqualAFullSort(seed: UInt64) {
        var generator = SplitMix64(seed: 1_000 + seed)
        let capacity = 50 + Int(generator.next() % 300)
        var tail: [TailLoss] = []
        var all: [TailLoss] = []
        var scenario: UInt64 = 0
        var untouchedChecked = 0
        for batch in 0..<60 {
            // Losses on a coarse grid (many ties) around a level that moves per batch: far
            // above the tail, across it, just above its bar or below it all.
            let level = [100.0, 50, 10, -100][batch % 4] + (generator.openUnit() * 20).rounded()
            let size = Int(generator.next() % 40)
            var entries: [TailLoss] = (0..<size).map { _ in
                scenario += 1 + generator.next() % 3
                return TailLoss(loss: level + (generator.openUnit() * 10).rounded(), scenario: scenario)
            }
            // Some entries reuse an earlier scenario's place in the order: same loss, lower index.
            if let first = entries.first, batch % 3 == 0 {
                entries.append(TailLoss(loss: first.loss, scenario: UInt64(batch)))
            }
            entries.sortByRank()
            let storage = tail.withUnsafeBufferPointer { $0.baseAddress }
            let hadRoom = tail.capacity >= capacity
            // The entries ranked before the whole batch but the last of them (which the
            // merge compares with the batch's first) are never read or written: each is
            // replaced by a loss of -infinity, which any merge that read it would rank last
            // and move, and must still be in its place after, before the real ones return.
            let ahead = entries.first.map { first in tail.prefix { $0.ranksBefore(first) }.count } ?? 0
            let marked = hadRoom ? Swift.max(0, ahead - 1) : 0
            let original = Array(tail.prefix(marked))
            tail.withUnsafeMutableBufferPointer { buffer in
                for index in 0..<marked { buffer[index] = TailLoss(loss: -.infinity, scenario: .max) }
            }
            tail.mergeRanked(entries, capacity: capacity)
            tail.withUnsafeMutableBufferPointer { buffer in
                for index in 0..<marked {
                    #expect(buffer[index].loss == -.infinity, "batch \(batch): entry \(index) was moved")
                    buffer[index] = original[index]
                }
            }
            untouchedChecked += marked
            all += entries
            let expected = Array(all.sorted { $0.ranksBefore($1) }.prefix(capacity))
            #expect(tail == expected, "batch \(batch)")
            // Once the tail has its room, it merges in its own storage: nothing is allocated.
            if hadRoom {
                #expect(tail.withUnsafeBufferPointer { $0.baseAddress } == storage, "batch \(batch) reallocated")
            }
        }
        #expect(tail.count == capacity)
        #expect(untouchedChecked > 0)
    }

    /// Ranked runs end to end sort to the full sort's order, whether few and long (merged
    /// as runs) or many and short (quicksorted), with ties across runs broken by scenario.
    @Test(arguments: [1, 3, 8, 40, 300])
    func rankedRunsSortLikeAFullSort(runLength: Int) {
        var generator = SplitMix64(seed: UInt64(runLength))
        var entries: [TailLoss] = []
        var scenario: UInt64 = 0
        while entries.count < 3_000 {
            var run: [TailLoss] = (0..<runLength).map { _ in
                scenario += 1
                return TailLoss(loss: (generator.openUnit() * 100).rounded(), scenario: scenario)
            }
            run.sortByRank()
            entries += run
        }
        var sorted = entries
        sorted.sortRankedRuns()
        #expect(sorted == entries.sorted { $0.ranksBefore($1) })
    }

    @Test func floorDropsOnlyLossesBelowIt() {
        var selector = TailSelector(capacity: 3, floor: 5)
        for (index, loss) in [1.0, 9, 5, 4, 7, 8].enumerated() { selector.offer(loss: loss, scenario: UInt64(index)) }
        #expect(selector.takeRankedTail().map(\.loss) == [9, 8, 7])
    }

    /// ES >= VaR at every level, on seeded random tails.
    @Test func shortfallIsAtLeastValueAtRisk() {
        var generator = SplitMix64(seed: 99)
        for _ in 0..<50 {
            let n = 1000 + Int(generator.next() % 5000)
            let losses = (0..<n).map { _ in generator.wideDouble() }
            let tail = losses.enumerated().map { TailLoss(loss: $0.element, scenario: UInt64($0.offset)) }
                .sorted { $0.ranksBefore($1) }
            for confidence in [0.9, 0.99, 0.995] {
                let estimate = TailEstimate(confidence: confidence, scenarios: n, rankedTail: tail)
                #expect(estimate.expectedShortfall >= estimate.valueAtRisk)
                #expect(estimate.valueAtRiskInterval95.lowerBound <= estimate.valueAtRisk)
                #expect(estimate.valueAtRiskInterval95.upperBound >= estimate.valueAtRisk)
            }
        }
    }

    /// The ES standard error formula against the spread of ES over 300 independent samples
    /// of 20,000 standard normal losses at 99%. The standard deviation of 300 estimates is
    /// itself uncertain by about 1/sqrt(2 * 299) = 4%; the test allows 15%.
    @Test func shortfallStandardErrorMatchesReplication() {
        let generator = Philox4x32(seed: 2024)
        let n = 20_000
        var estimates: [Double] = []
        var standardErrors: [Double] = []
        var coverage = 0
        let trueVaR = NormalDistribution.quantile(0.99)
        for replication in 0..<300 {
            var selector = TailSelector(capacity: TailEstimate.requiredTailLength(scenarios: n, confidences: [0.99]))
            for index in 0..<n {
                let scenario = UInt64(replication * n + index)
                let (u, _) = generator.uniformPair(Philox4x32.counter(scenario: scenario, draw: 0, stream: 0))
                selector.offer(loss: NormalDistribution.quantile(u), scenario: scenario)
            }
            let estimate = TailEstimate(confidence: 0.99, scenarios: n, rankedTail: selector.takeRankedTail())
            estimates.append(estimate.expectedShortfall)
            standardErrors.append(estimate.expectedShortfallStandardError)
            if estimate.valueAtRiskInterval95.contains(trueVaR) { coverage += 1 }
        }
        let mean = estimates.reduce(0, +) / Double(estimates.count)
        let spread = (estimates.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(estimates.count - 1)).squareRoot()
        let formula = standardErrors.reduce(0, +) / Double(standardErrors.count)
        #expect(abs(formula / spread - 1) < 0.15, "formula \(formula), replication spread \(spread)")
        // Closed-form ES of N(0,1) at 99%: phi(z) / 0.01 = 2.665214; the mean of 300 estimates
        // is within 4 of its standard errors.
        let exact = NormalDistribution.pdf(trueVaR) / 0.01
        #expect(abs(mean - exact) < 4 * spread / Double(estimates.count).squareRoot())
        // The 95% VaR interval covers the true quantile in 95% of samples: 285 of 300 with a
        // binomial standard deviation of 3.8; allow 4 of them.
        #expect(abs(Double(coverage) - 285) < 4 * 3.78, "coverage \(coverage) of 300")
    }
}
