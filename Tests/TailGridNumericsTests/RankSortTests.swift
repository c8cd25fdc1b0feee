import Testing
import TailGridNumerics

/// `RankSort` (and the array methods built on it) against the plainest sort there is: the
/// standard library's, by `TailLoss.ranksBefore`. The order is total, so the two must give
/// the same array, entry for entry, whatever the input: tails of every size around the
/// insertion limit and the bucket counts, heavy-tailed and clustered losses (few
/// differing bits, so buckets hold many entries and the sort recurses), ties in large
/// numbers (broken by scenario), -0 beside +0, negative losses, infinities, subnormals
/// and the largest doubles.
@Suite("Rank sort")
struct RankSortTests {
    enum Shape: CaseIterable {
        case heavyTailed, clustered, ties, signedZeros, extremes, negativeAndPositive, identical
    }

    static func losses(_ shape: Shape, count: Int, generator: inout SplitMix64) -> [Double] {
        (0..<count).map { _ in
            let u = generator.openUnit()
            switch shape {
            // A Pareto tail (index 4), as the largest losses of a Student-t book.
            case .heavyTailed: return 1e5 * pow2(-0.25 * log2Approximation(u))
            // One binade, and only the last 12 bits of the significand differ.
            case .clustered: return Double(bitPattern: 0x40F8_6A00_0000_0000 | (generator.next() & 0xFFF))
            case .ties: return [1_000, 2_500.5, 2_500.5, 7_000][Int(generator.next() % 4)]
            case .signedZeros: return [0.0, -0.0, 1e-300, -1e-300, 5][Int(generator.next() % 5)]
            case .extremes:
                return [Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude, .infinity, -.infinity,
                        .leastNonzeroMagnitude, -Double.leastNonzeroMagnitude, .leastNormalMagnitude, 1, u][Int(generator.next() % 9)]
            case .negativeAndPositive: return (u - 0.5) * 2e6
            case .identical: return 42
            }
        }
    }

    /// 2^x without Foundation.
    static func pow2(_ x: Double) -> Double { Double(sign: .plus, exponent: Int(x.rounded(.down)), significand: 1 + (x - x.rounded(.down))) }
    /// A monotone stand-in for log2 (exponent plus significand - 1): enough for a heavy tail.
    static func log2Approximation(_ u: Double) -> Double { Double(u.exponent) + (u.significand - 1) }

    static func entries(_ shape: Shape, count: Int, seed: UInt64) -> [TailLoss] {
        var generator = SplitMix64(seed: seed)
        let losses = losses(shape, count: count, generator: &generator)
        // Scenarios distinct and in no order, as chunks deliver them.
        return losses.enumerated().map { TailLoss(loss: $0.element, scenario: UInt64($0.offset) &* 2_654_435_761 % 1_000_003) }
    }

    /// `keys` (8 at a time) gives `key`'s key in every lane, and `loss(key:)` brings each
    /// loss back (-0 as +0, NaN as a NaN), on every shape.
    @Test(arguments: Shape.allCases)
    func keysEightAtATimeAreTheKeys(shape: Shape) {
        var generator = SplitMix64(seed: 21)
        let losses = Self.losses(shape, count: 800, generator: &generator) + [.nan, -.nan, 0, -0.0, .infinity, -.infinity, 1, -1]
        for start in stride(from: 0, to: losses.count, by: 8) {
            let lanes = SIMD8<Double>(losses[start..<start + 8])
            let keys = RankSort.keys(lanes)
            for lane in 0..<8 {
                #expect(keys[lane] == RankSort.key(lanes[lane]), "\(lanes[lane])")
                let back = RankSort.loss(key: keys[lane])
                #expect(back.isNaN ? lanes[lane].isNaN : back.bitPattern == (lanes[lane] == 0 ? 0 : lanes[lane]).bitPattern)
            }
        }
    }

    @Test(arguments: Shape.allCases)
    func ranksAsTheComparisonSortDoes(shape: Shape) {
        for (seed, count) in [(1, 0), (2, 1), (3, 2), (4, 31), (5, 32), (6, 33), (7, 100), (8, 1_062), (9, 5_000), (10, 70_000)] as [(UInt64, Int)] {
            let entries = Self.entries(shape, count: count, seed: seed)
            let expected = entries.sorted { $0.ranksBefore($1) }
            var sorted = entries
            sorted.sortByRank()
            #expect(sorted == expected, "\(shape), \(count) entries")
        }
    }

    /// The top-`top` form puts the comparison sort's first `top` entries in the first
    /// places, and keeps every entry (the rest in any order): at every size around the
    /// insertion limit and the buckets, for a top of one, inside a bucket's recursion,
    /// a tail kept with room to spare (1,062 of 1,327), all and more than all.
    @Test(arguments: Shape.allCases)
    func topRanksAreTheSortsFirstEntries(shape: Shape) {
        for (seed, count) in [(11, 1), (12, 31), (13, 33), (14, 100), (15, 1_327), (16, 5_000)] as [(UInt64, Int)] {
            let entries = Self.entries(shape, count: count, seed: seed)
            let expected = entries.sorted { $0.ranksBefore($1) }
            for top in Set([1, 2, count / 3, count / 2, count - 1, 1_062, count, count + 5]) where top >= 1 {
                var ranked = entries
                ranked.withUnsafeMutableBufferPointer { RankSort.sort($0, top: top) }
                let kept = Swift.min(top, count)
                #expect(Array(ranked.prefix(kept)) == Array(expected.prefix(kept)), "\(shape), top \(top) of \(count)")
                #expect(ranked.sorted { $0.ranksBefore($1) } == expected, "\(shape), top \(top) of \(count): not a permutation")
            }
        }
    }

    /// -0 and +0 are one loss: their order is the scenarios'. A key that told them apart
    /// would put every +0 first.
    @Test func signedZerosAreOneLoss() {
        var entries = (0..<200).map { TailLoss(loss: $0 % 2 == 0 ? 0.0 : -0.0, scenario: UInt64(199 - $0)) }
        entries.sortByRank()
        #expect(entries.map(\.scenario) == Array(0..<200))
        #expect(RankSort.key(0.0) == RankSort.key(-0.0))
    }

    /// The keys' unsigned order is the losses' order reversed, across signs and binades.
    @Test func keysOrderAsLossesReversed() {
        let losses: [Double] = [-.infinity, -.greatestFiniteMagnitude, -1e10, -1, -.leastNormalMagnitude,
                                -.leastNonzeroMagnitude, 0, .leastNonzeroMagnitude, .leastNormalMagnitude, 1, 1.0.nextUp,
                                1e10, .greatestFiniteMagnitude, .infinity]
        for (smaller, larger) in zip(losses, losses.dropFirst()) {
            #expect(RankSort.key(larger) < RankSort.key(smaller), "\(larger) should rank before \(smaller)")
        }
    }

    /// The order key gives every bit pattern back (the wire's compact tails rely on it),
    /// -0 and +0 apart, and falls as the double rises.
    @Test func orderKeysAreTheirOwnInverse() {
        var generator = SplitMix64(seed: 11)
        let patterns = [0.0, -0.0, 1, -1, .infinity, -.infinity, .nan, .greatestFiniteMagnitude, .leastNonzeroMagnitude]
            .map(\.bitPattern) + (0..<10_000).map { _ in generator.next() }
        for bits in patterns {
            #expect(RankSort.orderKey(bitPattern: RankSort.orderKey(bitPattern: bits)) == bits)
        }
        #expect(RankSort.orderKey(bitPattern: (0.0).bitPattern) == (1 << 63) - 1 && RankSort.orderKey(bitPattern: (-0.0).bitPattern) == 1 << 63)
        #expect(RankSort.orderKey(bitPattern: (2.0).bitPattern) < RankSort.orderKey(bitPattern: (1.0).bitPattern))
        #expect(RankSort.orderKey(bitPattern: (-1.0).bitPattern) < RankSort.orderKey(bitPattern: (-2.0).bitPattern))
    }

    /// Ranked runs end to end (a merge's pending batch): few runs go to the run merge,
    /// many to the radix sort; both rank them.
    @Test(arguments: [1, 2, 4, 5, 45, 300])
    func rankedRunsAreRanked(runLength: Int) {
        var generator = SplitMix64(seed: UInt64(runLength))
        for runs in [1, 3, 4, 5, 40, 140] {
            var batch: [TailLoss] = []
            for run in 0..<runs {
                var part = (0..<runLength).map { index in
                    TailLoss(loss: (generator.openUnit() * 1e6).rounded(), scenario: UInt64(run * runLength + index))
                }
                part.sort { $0.ranksBefore($1) }
                batch += part
            }
            let expected = batch.sorted { $0.ranksBefore($1) }
            batch.sortRankedRuns()
            #expect(batch == expected, "\(runs) runs of \(runLength)")
        }
    }
}
