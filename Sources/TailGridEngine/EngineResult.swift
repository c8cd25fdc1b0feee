import TailGridNumerics

/// The outcome of a job: risk and margin per account.
public struct EngineResult: Sendable {
    public let accounts: [AccountRisk]
    public let factors: [String]
    public let correlationRank: Int
    public let chunkCount: Int

    /// Builds the result from a complete merge.
    public init(plan: EnginePlan, merged: SummaryMerger) throws(EngineError) {
        guard merged.isComplete else {
            throw EngineError(.inconsistentSummary, "only \(merged.mergedChunks.count) of \(plan.chunks.chunkCount) chunks merged")
        }
        let job = plan.job
        var accounts: [AccountRisk] = []
        for (index, summary) in merged.accounts.enumerated() {
            let id = job.accounts[index].id
            guard summary.nonFiniteCount == 0 else {
                throw EngineError(.nonFiniteLoss, "account '\(id)': \(summary.nonFiniteCount) of \(job.scenarios) scenarios gave a loss that is not a finite number (the model's moves overflow a double: lower the vol, the horizon or the Student-t tails)")
            }
            let required = TailEstimate.requiredTailLength(scenarios: job.scenarios, confidences: job.confidences)
            guard summary.count == job.scenarios, summary.tail.count >= required else {
                throw EngineError(.inconsistentSummary, "account '\(id)': the merged summaries hold \(summary.count) of \(job.scenarios) losses and a tail of \(summary.tail.count) of the \(required) the estimates need")
            }
            let estimates = job.confidences.map {
                TailEstimate(confidence: $0, scenarios: job.scenarios, rankedTail: summary.tail)
            }
            let margin = job.margin.margin(equity: plan.equity[index], valueAtRisk: estimates[0].valueAtRisk,
                                           expectedShortfall: estimates[0].expectedShortfall)
            accounts.append(AccountRisk(id: id, equity: plan.equity[index], estimates: estimates,
                                        meanLoss: summary.mean, lossStandardDeviation: summary.standardDeviation,
                                        histogram: summary.histogram, margin: margin))
        }
        self.accounts = accounts
        self.factors = plan.factors.map(\.name)
        self.correlationRank = plan.correlationRank
        self.chunkCount = plan.chunks.chunkCount
    }
}
