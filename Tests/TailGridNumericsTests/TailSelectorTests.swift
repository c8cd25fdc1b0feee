import Testing
import TailGridNumerics

/// `TailSelector` against the plainest form of its contract: sort every offered loss by
/// rank and keep the first `capacity`. Streams in random, ascending (every loss enters
/// and pushes the bar up) and descending (almost nothing enters after the first cut)
/// order, with many ties (broken by scenario), for small and large slack, with floors,
/// through both ways of taking the tail.
@Suite("Tail selector")
struct TailSelectorTests {
    enum Order: CaseIterable { case random, ascending, descending, fewValues }

    static func losses(_ order: Order, count: Int, seed: UInt64) -> [Double] {
        var generator = SplitMix64(seed: seed)
        switch order {
        case .random: return (0..<count).map { _ in (generator.openUnit() - 0.3) * 1_000 }
        case .ascending: return (0..<count).map { Double($0) * 0.5 }
        case .descending: return (0..<count).map { Double(count - $0) * 0.25 }
        // Ties everywhere, and -0.0 beside 0.0 (equal losses: the scenario decides).
        case .fewValues: return (0..<count).map { _ in [0.0, -0.0, 1, 2, 2, 3][Int(generator.next() % 6)] }
        }
    }

    @Test(arguments: Order.allCases, [(1, 1), (7, 1), (100, 3), (300, 64), (1_000, 125), (1_000, nil)] as [(Int, Int?)])
    func keepsTheTopOfEveryLossOffered(order: Order, size: (capacity: Int, slack: Int?)) {
        for (seed, count) in [(1, 5), (2, 999), (3, 6_000)] as [(UInt64, Int)] {
            let losses = Self.losses(order, count: count, seed: seed &* 7_919 &+ UInt64(size.capacity))
            for floor in [-Double.infinity, 100] {
                let expected = losses.enumerated()
                    .map { TailLoss(loss: $0.element, scenario: UInt64($0.offset)) }
                    .filter { $0.loss >= floor }
                    .sorted { $0.ranksBefore($1) }
                    .prefix(size.capacity)
                for inPlace in [false, true] {
                    var selector = TailSelector(capacity: size.capacity, floor: floor, slack: size.slack, reservesAtOnce: inPlace)
                    for (index, loss) in losses.enumerated() { selector.offer(loss: loss, scenario: UInt64(index)) }
                    let kept = inPlace ? selector.takeRankedTailInPlace() : selector.takeRankedTail()
                    #expect(kept == Array(expected), "\(order) capacity \(size.capacity) slack \(size.slack ?? -1) count \(count) floor \(floor) in place \(inPlace)")
                    #expect(kept.map(\.loss.sign) == expected.map(\.loss.sign), "the kept entries are the offered bits")
                }
            }
        }
    }

    /// A cut's first pivot comes from entries sampled at even strides of the buffer. Here
    /// the sampled positions of the first cut (capacity 1,000, slack 125: a stride of 35
    /// from entry 17) hold the smallest losses, so the pivot ranks after the entry sought,
    /// or the largest, so it ranks far before it; the kept set is the top 1,000 either way.
    @Test(arguments: [true, false])
    func keepsTheTopWhenTheSampleMisleads(sampledSmallest: Bool) {
        let capacity = 1_000, slack = 125
        let sampled = Set(stride(from: 17, to: capacity + slack, by: 35))
        var generator = SplitMix64(seed: 7)
        let losses = (0..<3_000).map { index in
            let base = generator.openUnit() * 1_000
            guard index < capacity + slack, sampled.contains(index) else { return base }
            return sampledSmallest ? -base : 10_000 + base
        }
        var selector = TailSelector(capacity: capacity, slack: slack)
        for (index, loss) in losses.enumerated() { selector.offer(loss: loss, scenario: UInt64(index)) }
        let expected = losses.enumerated().map { TailLoss(loss: $0.element, scenario: UInt64($0.offset)) }
            .sorted { $0.ranksBefore($1) }.prefix(capacity)
        let kept = selector.takeRankedTail()
        let keptTheTop = kept == Array(expected)
        #expect(keptTheTop, "kept \(kept.count) entries, the top \(capacity) wanted")
    }

    /// The admission bar only rises and never passes the k-th largest loss offered.
    @Test func barStaysAtOrBelowTheKthLoss() {
        var generator = SplitMix64(seed: 42)
        var selector = TailSelector(capacity: 50, slack: 8)
        var offered: [Double] = []
        var previous = -Double.infinity
        for index in 0..<5_000 {
            let loss = generator.openUnit() * 100
            offered.append(loss)
            selector.offer(loss: loss, scenario: UInt64(index))
            let bar = selector.admissionLoss
            #expect(bar >= previous)
            if offered.count >= 50 { #expect(bar <= offered.sorted(by: >)[49]) }
            previous = bar
        }
    }
}
