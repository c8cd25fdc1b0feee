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

    /// Whether the losses are `accounts` rows of the batch's width: what a batch from
    /// the wire or the journal must be before it is merged.
    public func fits(accounts: Int) -> Bool {
        losses.count == accounts * scenarios.count
    }
}
