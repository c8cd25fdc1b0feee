/// Every account's loss in every stress scenario (weighted, USD, gains negative).
public struct StressLosses: Sendable, Hashable {
    /// One account's stress figures.
    public struct Account: Sendable, Hashable {
        /// Weighted loss per scenario, in the stress test's order.
        public let losses: [Double]
        /// The scenario of the largest weighted loss (the first of equal ones).
        public let worst: Int
        /// max(0, largest weighted loss): what the margin policy weighs.
        public var component: Double { Swift.max(0, losses[worst]) }
    }

    public let scenarios: [StressScenario]
    /// Accounts x scenarios, row-major.
    public let losses: [Double]

    public init(scenarios: [StressScenario], losses: [Double]) {
        self.scenarios = scenarios
        self.losses = losses
    }

    /// The losses of batches that together cover the scenarios once, each of them
    /// `accounts` rows of its width (`StressBatch.fits(accounts:)`).
    init(scenarios: [StressScenario], batches: [StressBatch], accounts: Int) {
        let width = scenarios.count
        var losses = [Double](repeating: 0, count: accounts * width)
        for batch in batches {
            let count = batch.scenarios.count
            for account in 0..<accounts {
                for column in 0..<count {
                    losses[account * width + batch.scenarios.lowerBound + column] = batch.losses[account * count + column]
                }
            }
        }
        self.init(scenarios: scenarios, losses: losses)
    }

    /// The figures of account `index`; nil when there are no scenarios.
    public func account(_ index: Int) -> Account? {
        guard !scenarios.isEmpty else { return nil }
        let row = Array(losses[(index * scenarios.count)..<((index + 1) * scenarios.count)])
        var worst = 0
        for (scenario, loss) in row.enumerated() where loss > row[worst] { worst = scenario }
        return Account(losses: row, worst: worst)
    }
}
