/// One account's stress results: its weighted loss in each stress scenario, its ES under
/// the dependence stress's correlations, and the worst of them all, which the margin
/// policy weighs.
public struct AccountStress: Sendable, Hashable {
    /// ES at the dependence stress's confidence under the base and the stressed
    /// correlations, from the same random numbers.
    public struct Dependence: Sendable, Hashable {
        public let confidence: Double
        public let baseExpectedShortfall: Double
        /// By `DependenceStress.Variant`, in its order.
        public let stressedExpectedShortfall: [Double]
    }

    /// Weighted loss per stress scenario, in the job's order.
    public let scenarioLosses: [Double]
    public let dependence: Dependence?
    /// The scenario or dependence stress of the largest loss (the first of equal ones).
    public let worst: String
    public let worstLoss: Double

    /// max(0, worst loss).
    public var component: Double { Swift.max(0, worstLoss) }

    /// Nil when the job has neither stress scenarios nor a dependence stress.
    init?(scenarios: [StressScenario], losses: StressLosses.Account?, dependence: Dependence?) {
        var candidates: [(String, Double)] = []
        if let losses { candidates += zip(scenarios.map(\.name), losses.losses) }
        if let dependence {
            candidates += zip(DependenceStress.Variant.allCases.map(\.name), dependence.stressedExpectedShortfall)
        }
        guard var worst = candidates.first else { return nil }
        for candidate in candidates.dropFirst() where candidate.1 > worst.1 { worst = candidate }
        self.scenarioLosses = losses?.losses ?? []
        self.dependence = dependence
        self.worst = worst.0
        self.worstLoss = worst.1
    }
}
