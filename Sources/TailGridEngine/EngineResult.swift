import Foundation
import TailGridNumerics

/// The outcome of a job: risk and margin per account.
public struct EngineResult: Sendable {
    public let accounts: [AccountRisk]
    public let factors: [String]
    public let correlationRank: Int
    public let chunkCount: Int

    /// The stress scenarios the accounts' stress losses refer to (empty without).
    public let stressScenarios: [StressScenario]

    /// Builds the result from a complete merge and the job's stress losses (computed
    /// here when not given: `StressTest.losses(plan:)`).
    public init(plan: EnginePlan, merged: SummaryMerger, stress: StressLosses? = nil) throws(EngineError) {
        guard merged.isComplete else {
            throw EngineError(.inconsistentSummary, "only \(merged.mergedChunks.count) of \(plan.chunks.chunkCount) chunks merged")
        }
        guard merged.floorsHeld else {
            throw EngineError(.inconsistentSummary, "a chunk's admission floor lay above an account's k-th largest loss: its tail may lack losses")
        }
        try self.init(plan: plan, summaries: merged.summaries(), stress: stress)
    }

    /// The result of a complete merge's summaries (`SummaryMerger.takeSummaries()`), one
    /// per loss row.
    public init(plan: EnginePlan, summaries: [AccountLossSummary], stress: StressLosses? = nil) throws(EngineError) {
        let job = plan.job
        let stress = stress ?? job.stress.losses(plan: plan)
        guard stress.scenarios == job.stress.scenarios, stress.losses.count == job.accounts.count * stress.scenarios.count else {
            throw EngineError(.inconsistentSummary, "the stress losses are not those of this job's stress scenarios")
        }
        let accountCount = job.accounts.count
        guard summaries.count == plan.lossRowCount else {
            throw EngineError(.inconsistentSummary, "the merge holds \(summaries.count) loss rows, the plan \(plan.lossRowCount)")
        }
        let confidences = job.confidences + (job.dependence.map { [$0.confidence] } ?? [])
        let required = TailEstimate.requiredTailLength(scenarios: job.scenarios, confidences: confidences)
        for (row, summary) in summaries.enumerated() {
            let id = job.accounts[row % accountCount].id
            let under = plan.rowQualifier(row)
            guard summary.nonFiniteCount == 0 else {
                throw EngineError(.nonFiniteLoss, "account '\(id)'\(under): \(summary.nonFiniteCount) of \(job.scenarios) scenarios gave a loss that is not a finite number (the model's moves overflow a double: lower the vol, the horizon or the Student-t tails)")
            }
            guard summary.count == job.scenarios, summary.tail.count >= required else {
                throw EngineError(.inconsistentSummary, "account '\(id)'\(under): the merged summaries hold \(summary.count) of \(job.scenarios) losses and a tail of \(summary.tail.count) of the \(required) the estimates need")
            }
        }
        let pricers = Dictionary(plan.evaluator.instruments.map { ($0.instrument.name, $0) }, uniquingKeysWith: { first, _ in first })
        let allEstimates = Self.estimates(of: Array(summaries.prefix(accountCount)), confidences: job.confidences,
                                          scenarios: job.scenarios)
        var accounts: [AccountRisk] = []
        for index in 0..<accountCount {
            let summary = summaries[index]
            let id = job.accounts[index].id
            let estimates = allEstimates[index]
            let scenarioLosses = stress.account(index)
            if let scenarioLosses, let bad = scenarioLosses.losses.firstIndex(where: { !$0.isFinite }) {
                throw EngineError(.nonFiniteLoss, "account '\(id)': the stress scenario '\(stress.scenarios[bad].name)' gave a loss that is not a finite number")
            }
            let dependence = job.dependence.map { dependence in
                func expectedShortfall(row: Int) -> Double {
                    TailEstimate(confidence: dependence.confidence, scenarios: job.scenarios,
                                 rankedTail: summaries[row].tail).expectedShortfall
                }
                return AccountStress.Dependence(
                    confidence: dependence.confidence, baseExpectedShortfall: expectedShortfall(row: index),
                    stressedExpectedShortfall: (1...DependenceStress.Variant.allCases.count).map {
                        expectedShortfall(row: $0 * accountCount + index)
                    })
            }
            let accountStress = AccountStress(scenarios: stress.scenarios, losses: scenarioLosses, dependence: dependence)
            // A coin-margined account's losses are in its coin already (`TileEvaluator.CoinMargin`);
            // its USD figures are restated at today's spot.
            let coin = job.accounts[index].marginCoin
            let perUSD = job.market.perUSD(of: job.accounts[index])
            let minimum = job.margin.shortOptionMinimum.map {
                $0.requirement(for: job.accounts[index], market: job.market) * perUSD
            }
            let deltas = job.margin.liquidity.map { _ in
                LiquidityAddOn.netDeltas(of: job.accounts[index], pricers: pricers, market: job.market,
                                         collateral: job.margin.collateral)
            }
            let vegas = job.margin.liquidity.flatMap { addOn in
                addOn.vegaVolume.isEmpty ? nil : addOn.netVegas(of: job.accounts[index], pricers: pricers, market: job.market)
            }
            let liquidity = job.margin.liquidity.flatMap { addOn in
                deltas.map { (addOn.requirement(deltas: $0, market: job.market) + addOn.vegaRequirement(vegas: vegas ?? [:])) * perUSD }
            }
            let equity = plan.equity[index] * perUSD
            let floorEstimate = plan.floorRow(of: index).map {
                TailEstimate(confidence: job.confidences[0], scenarios: job.scenarios, rankedTail: summaries[$0].tail)
            }
            let margin = job.margin.margin(equity: equity, valueAtRisk: estimates[0].valueAtRisk,
                                           expectedShortfall: estimates[0].expectedShortfall,
                                           stressComponent: accountStress?.component, shortOptionMinimum: minimum ?? 0,
                                           liquidityAddOn: liquidity ?? 0,
                                           lookbackFloor: floorEstimate.map { ($0.valueAtRisk, $0.expectedShortfall) })
            accounts.append(AccountRisk(id: id, currency: coin ?? "USD", equity: equity, estimates: estimates,
                                        meanLoss: summary.mean, lossStandardDeviation: summary.standardDeviation,
                                        histogram: summary.histogram, margin: margin, stress: accountStress,
                                        shortOptionMinimum: minimum, netDeltas: deltas,
                                        netVegas: vegas?.mapValues(\.perVolPoint)))
        }
        self.accounts = accounts
        self.factors = plan.factors.map(\.name)
        self.correlationRank = plan.correlationRank
        self.chunkCount = plan.chunks.chunkCount
        self.stressScenarios = stress.scenarios
    }

    /// Each summary's estimates at `confidences`, on every core `accountsPerBlock` accounts
    /// at a time: each is a sum over k ranked losses, 0.1 s for 20,000 accounts on one
    /// thread while the others waited.
    static func estimates(of summaries: [AccountLossSummary], confidences: [Double], scenarios: Int) -> [[TailEstimate]] {
        EngineThreads.map(summaries.count, threads: ProcessInfo.processInfo.activeProcessorCount,
                          inBlocksOf: accountsPerBlock) { account in
            confidences.map { TailEstimate(confidence: $0, scenarios: scenarios, rankedTail: summaries[account].tail) }
        }
    }

    static let accountsPerBlock = 256
}
