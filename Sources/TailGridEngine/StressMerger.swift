/// Gathers a job's stress batches, in any order, into its `StressLosses`: the stress
/// counterpart of `SummaryMerger`. Each batch must be the unit's exact range and one
/// loss per account and scenario; a second copy of a batch is ignored (the first wins,
/// as with chunks).
public struct StressMerger: Sendable, Hashable {
    public let scenarios: [StressScenario]
    public let units: WorkUnits
    public let accountCount: Int
    private var batches: [StressBatch?]

    public init(plan: EnginePlan) {
        scenarios = plan.job.stress.scenarios
        units = plan.units
        accountCount = plan.job.accounts.count
        batches = Array(repeating: nil, count: plan.units.stressBatches)
    }

    /// Merges the batch of unit `index`; false when it was merged already.
    @discardableResult
    public mutating func merge(unit index: Int, _ batch: StressBatch) throws(EngineError) -> Bool {
        guard index >= 0, index < units.count, case .stress(let range) = units.unit(index) else {
            throw EngineError(.inconsistentSummary, "unit \(index) is not a stress batch of this job")
        }
        guard batch.scenarios == range, batch.fits(accounts: accountCount) else {
            throw EngineError(.inconsistentSummary, "a stress batch holds \(batch.losses.count) losses of stress scenarios \(batch.scenarios.lowerBound)..<\(batch.scenarios.upperBound); \(units.describe(index)) needs \(accountCount * range.count)")
        }
        let slot = index - units.chunks.chunkCount
        guard batches[slot] == nil else { return false }
        batches[slot] = batch
        return true
    }

    public var isComplete: Bool { !batches.contains(nil) }

    /// The units merged so far.
    public var mergedUnits: [Int] {
        batches.indices.filter { batches[$0] != nil }.map { $0 + units.chunks.chunkCount }
    }

    /// Every account's loss in every stress scenario; nil until every batch is merged.
    public var losses: StressLosses? {
        guard isComplete else { return nil }
        return StressLosses(scenarios: scenarios, batches: batches.compactMap { $0 }, accounts: accountCount)
    }
}
