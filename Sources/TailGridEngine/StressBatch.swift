/// Every account's weighted loss in a batch of consecutive stress scenarios: what a
/// worker computes for a stress unit (`WorkUnits.Unit.stress`) and sends back whole.
/// Stress scenarios are few and each one's loss is reported per account, so there is no
/// tail to keep: the batch is the full loss vector.
public struct StressBatch: Sendable, Hashable {
    /// Indices into the job's stress scenarios.
    public let scenarios: Range<Int>
    /// Accounts x scenarios, row-major.
    public let losses: [Double]

    public init(scenarios: Range<Int>, losses: [Double]) {
        self.scenarios = scenarios
        self.losses = losses
    }

    /// Bit for bit, as audits compare (a NaN equals the same NaN: two honest machines
    /// agree on a loss that is not a number, and the result refuses it).
    public static func == (lhs: StressBatch, rhs: StressBatch) -> Bool {
        lhs.scenarios == rhs.scenarios && lhs.losses.map(\.bitPattern) == rhs.losses.map(\.bitPattern)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(scenarios)
        for loss in losses { hasher.combine(loss.bitPattern) }
    }

    /// Whether the losses are `accounts` rows of the batch's width: what a batch from
    /// the wire or the journal must be before it is merged.
    public func fits(accounts: Int) -> Bool {
        losses.count == accounts * scenarios.count
    }
}
