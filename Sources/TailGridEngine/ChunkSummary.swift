/// A chunk's result: one loss summary per account, in the job's account order.
public struct ChunkSummary: Sendable, Hashable {
    public let scenarios: Range<UInt64>
    public var accounts: [AccountLossSummary]

    public init(scenarios: Range<UInt64>, accounts: [AccountLossSummary]) {
        self.scenarios = scenarios
        self.accounts = accounts
    }
}
