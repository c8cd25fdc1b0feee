import TailGridEngine

/// The statistics of a backtest per account, at the job's first confidence level: VaR
/// exceptions (a realised loss above the day's VaR) through `CoverageBacktest` (Kupiec,
/// Christoffersen, conditional coverage, the Basel traffic light), ES through
/// `ShortfallBacktest` (Acerbi-Szekely Z2), and margin exceptions (a realised loss above
/// the day's initial margin).
///
/// With a step shorter than the horizon, consecutive days' horizons overlap and their
/// exceptions are not independent: Christoffersen's test then rejects more often than
/// its size. A step of horizon_days gives non-overlapping windows.
public struct BacktestSummary: Sendable {
    public struct Account: Sendable {
        public let id: String
        public let currency: String
        public let coverage: CoverageBacktest
        /// nil when some day's ES is not positive (an empty book), with the reason.
        public let shortfall: ShortfallBacktest?
        public let shortfallUnavailable: String?
        public let marginExceptions: Int
    }

    public let confidence: Double
    public let horizonDays: Double
    public let days: [BacktestDayResult]
    public let accounts: [Account]

    public init(job: EngineJob, days: [BacktestDayResult]) throws(BacktestError) {
        guard let confidence = job.confidences.first else { throw BacktestError("the job has no confidence level") }
        var accounts: [Account] = []
        for (index, account) in job.accounts.enumerated() {
            let series = days.map { $0.accounts[index] }
            let coverage = try CoverageBacktest(exceptions: series.map { $0.realisedLoss > $0.valueAtRisk }, confidence: confidence)
            var shortfall: ShortfallBacktest?
            var unavailable: String?
            do {
                shortfall = try ShortfallBacktest(losses: series.map(\.realisedLoss), valueAtRisk: series.map(\.valueAtRisk),
                                                  expectedShortfall: series.map(\.expectedShortfall), confidence: confidence)
            } catch {
                unavailable = error.message
            }
            accounts.append(Account(id: account.id, currency: account.marginCoin ?? "USD", coverage: coverage,
                                    shortfall: shortfall, shortfallUnavailable: unavailable,
                                    marginExceptions: series.count { $0.realisedLoss > $0.initialMargin }))
        }
        self.confidence = confidence
        self.horizonDays = job.horizonDays
        self.days = days
        self.accounts = accounts
    }
}
