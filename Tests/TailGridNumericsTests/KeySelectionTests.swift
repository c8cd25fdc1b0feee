import Testing
import TailGridNumerics

/// `KeySelection.smallest` against a sort: the rank-th smallest key is the sorted keys'
/// entry at rank - 1, and the first `rank` keys left in place are the sorted first
/// `rank` as a multiset. Over sizes around the insertion limit, every rank of the small
/// ones, and inputs that trouble quickselects: sorted, reversed, organ pipes, one key
/// throughout, two keys, and median-of-three killers (Musser's sequence).
@Suite("Key selection")
struct KeySelectionTests {
    enum Shape: CaseIterable {
        case random, sorted, reversed, organPipe, identical, twoKeys, fewKeys, medianOfThreeKiller
    }

    static func keys(_ shape: Shape, count: Int, generator: inout SplitMix64) -> [UInt64] {
        switch shape {
        case .random: return (0..<count).map { _ in generator.next() }
        case .sorted: return (0..<count).map { UInt64($0) * 3 }
        case .reversed: return (0..<count).map { UInt64(count - $0) }
        case .organPipe: return (0..<count).map { UInt64(Swift.min($0, count - $0)) }
        case .identical: return Array(repeating: 0x7FFF_FFFF_FFFF_FFFF, count: count)
        case .twoKeys: return (0..<count).map { _ in generator.next() & 1 == 0 ? 5 : UInt64.max }
        case .fewKeys: return (0..<count).map { _ in generator.next() % 7 }
        case .medianOfThreeKiller:
            // Musser (1997): for even n, the sequence that drives median-of-three
            // quicksort to n^2 / 4 comparisons.
            let half = count / 2
            var keys = [UInt64](repeating: 0, count: count)
            for i in 0..<count {
                if i < half {
                    keys[i] = i % 2 == 0 ? UInt64(i + 1) : UInt64(half + i + (half % 2 == 0 ? 0 : 1))
                } else {
                    keys[i] = UInt64((i - half + 1) * 2)
                }
            }
            return keys
        }
    }

    static func check(_ keys: [UInt64], rank: Int) {
        let sorted = keys.sorted()
        var selected = keys
        let key = selected.withUnsafeMutableBufferPointer {
            KeySelection.smallest($0.baseAddress!, count: $0.count, rank: rank)
        }
        #expect(key == sorted[rank - 1], "rank \(rank) of \(keys.count)")
        #expect(selected.prefix(rank).sorted() == Array(sorted.prefix(rank)), "the first \(rank) of \(keys.count)")
        #expect(selected.sorted() == sorted, "a permutation")
    }

    @Test(arguments: Shape.allCases)
    func everyRankOfSmallInputs(shape: Shape) {
        var generator = SplitMix64(seed: 11)
        for count in [1, 2, 3, 16, 17, 18, 40] {
            let keys = Self.keys(shape, count: count, generator: &generator)
            for rank in 1...count { Self.check(keys, rank: rank) }
        }
    }

    @Test(arguments: Shape.allCases)
    func ranksOfLargerInputs(shape: Shape) {
        var generator = SplitMix64(seed: 12)
        for count in [63, 126, 127, 256, 382, 1_000, 4_096, 20_000] {
            let keys = Self.keys(shape, count: count, generator: &generator)
            for rank in Set([1, 2, count / 8, count / 4, count / 2, count - 1, count].filter { $0 >= 1 }) {
                Self.check(keys, rank: rank)
            }
        }
    }
}
