import TailGridNumerics

/// The running sums of a replay of tail scenarios (`TailAttribution.replay`), per
/// explained account in the bars' order: how many tail entries it found and the exact
/// sum of their losses (checked against the tail), an exact sum per line, per process
/// move and per partial waterfall stage, and the moves of the listed worst scenarios.
/// Exact sums make replays of disjoint scenario ranges add up to the same bits in any
/// order: the parts a cluster's workers replay, or a machine's threads.
public struct TailReplay: Sendable, Hashable {
    public var counts: [Int]
    public var lossSums: [ExactSum]
    public var lineSums: [[ExactSum]]
    public var returnSums: [[ExactSum]]
    public var multiplierSums: [[ExactSum]]
    /// The partial stages of the waterfall (all but the last, the full loss).
    public var stageSums: [[ExactSum]]
    public var worstMoves: [[UInt64: AccountExplanation.Moves]]

    /// Empty sums: `lineCounts` lines per account, `processes` price processes, `stages`
    /// waterfall stages.
    public init(lineCounts: [Int], processes: Int, stages: Int) {
        counts = lineCounts.map { _ in 0 }
        lossSums = lineCounts.map { _ in ExactSum() }
        lineSums = lineCounts.map { Array(repeating: ExactSum(), count: $0) }
        returnSums = lineCounts.map { _ in Array(repeating: ExactSum(), count: processes) }
        multiplierSums = returnSums
        stageSums = lineCounts.map { _ in Array(repeating: ExactSum(), count: Swift.max(0, stages - 1)) }
        worstMoves = lineCounts.map { _ in [:] }
    }

    /// Whether `other` has this replay's accounts, lines, processes and stages: what a
    /// replay from the wire must have before it is checked or absorbed.
    public func hasShape(of other: TailReplay) -> Bool {
        counts.count == other.counts.count && lossSums.count == other.lossSums.count
            && lineSums.map(\.count) == other.lineSums.map(\.count)
            && returnSums.map(\.count) == other.returnSums.map(\.count)
            && multiplierSums.map(\.count) == other.multiplierSums.map(\.count)
            && stageSums.map(\.count) == other.stageSums.map(\.count)
            && worstMoves.count == other.worstMoves.count
    }

    /// Adds a replay of other scenarios (of the same shape).
    public mutating func absorb(_ other: TailReplay) {
        for slot in counts.indices {
            counts[slot] += other.counts[slot]
            lossSums[slot].add(other.lossSums[slot])
            for index in lineSums[slot].indices { lineSums[slot][index].add(other.lineSums[slot][index]) }
            for process in returnSums[slot].indices {
                returnSums[slot][process].add(other.returnSums[slot][process])
                multiplierSums[slot][process].add(other.multiplierSums[slot][process])
            }
            for stage in stageSums[slot].indices { stageSums[slot][stage].add(other.stageSums[slot][stage]) }
            worstMoves[slot].merge(other.worstMoves[slot]) { first, _ in first }
        }
    }
}
