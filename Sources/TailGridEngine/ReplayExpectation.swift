import TailGridNumerics

/// What a replay of one scenario range must find, from the tails: per explained account
/// (in the bars' order), how many of its k tail entries lie in the range, the exact sum
/// of their losses, and which of its listed worst scenarios lie there. The expectations
/// of every chunk come from one pass over the tails, so checking each chunk's replay
/// costs O(accounts), not O(accounts x k).
public struct ReplayExpectation: Sendable, Hashable {
    public let range: Range<UInt64>
    public private(set) var counts: [Int]
    public private(set) var lossSums: [ExactSum]
    /// Sorted scenario indices.
    public private(set) var worst: [[UInt64]]

    init(range: Range<UInt64>, accounts: Int) {
        self.range = range
        counts = Array(repeating: 0, count: accounts)
        lossSums = Array(repeating: ExactSum(), count: accounts)
        worst = Array(repeating: [], count: accounts)
    }

    /// One expectation per chunk of `chunks`, in chunk order.
    public static func perChunk(_ chunks: ChunkPlan, bars: ReplayBars, tails: [[TailLoss]]) -> [ReplayExpectation] {
        var expectations = (0..<chunks.chunkCount).map {
            ReplayExpectation(range: chunks.range(ofChunk: $0), accounts: bars.accounts.count)
        }
        let size = UInt64(chunks.chunkSize)
        for (slot, account) in bars.accounts.enumerated() {
            for (rank, entry) in tails[account].prefix(bars.tailCount).enumerated() {
                let chunk = Int(entry.scenario / size)
                guard chunk < expectations.count else { continue }
                expectations[chunk].add(entry, slot: slot, rank: rank, bars: bars)
            }
        }
        for index in expectations.indices {
            for slot in expectations[index].worst.indices { expectations[index].worst[slot].sort() }
        }
        return expectations
    }

    /// The expectation of one range.
    public static func of(_ range: Range<UInt64>, bars: ReplayBars, tails: [[TailLoss]]) -> ReplayExpectation {
        var expectation = ReplayExpectation(range: range, accounts: bars.accounts.count)
        for (slot, account) in bars.accounts.enumerated() {
            for (rank, entry) in tails[account].prefix(bars.tailCount).enumerated() where range.contains(entry.scenario) {
                expectation.add(entry, slot: slot, rank: rank, bars: bars)
            }
            expectation.worst[slot].sort()
        }
        return expectation
    }

    mutating func add(_ entry: TailLoss, slot: Int, rank: Int, bars: ReplayBars) {
        counts[slot] += 1
        lossSums[slot].add(entry.loss)
        if rank < Swift.min(bars.tailCount, TailAttribution.worstScenarioCount) { worst[slot].append(entry.scenario) }
    }
}
