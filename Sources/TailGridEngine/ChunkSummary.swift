import TailGridNumerics

/// A chunk's result: one loss summary per account, in the job's account order.
public struct ChunkSummary: Sendable, Hashable {
    public let scenarios: Range<UInt64>
    public var accounts: [AccountLossSummary]

    public init(scenarios: Range<UInt64>, accounts: [AccountLossSummary]) {
        self.scenarios = scenarios
        self.accounts = accounts
    }
}

extension ChunkSummary {
    /// The summary of this range followed by `next`'s, as if computed in one piece with
    /// the same floors: counts, sums and histograms added exactly, tails merged to
    /// min(tailCapacity, scenarios) entries (each piece kept its top min(K, its scenarios),
    /// so the top of their union is the top of the whole). Nil unless `next` starts where
    /// this range ends and has the same accounts.
    public func followed(by next: ChunkSummary, tailCapacity: Int) -> ChunkSummary? {
        guard next.scenarios.lowerBound == scenarios.upperBound, next.accounts.count == accounts.count else { return nil }
        let scenarios = self.scenarios.lowerBound..<next.scenarios.upperBound
        let capacity = Swift.max(1, Swift.min(tailCapacity, scenarios.count))
        let joined = zip(accounts, next.accounts).map { first, second in
            var summary = first
            summary.mergeMoments(second)
            summary.tail.mergeRanked(second.tail, capacity: capacity)
            return summary
        }
        return ChunkSummary(scenarios: scenarios, accounts: joined)
    }
}
