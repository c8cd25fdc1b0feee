import Foundation
import TailGridCalibration
import TailGridEngine
import TailGridJob

/// `tailgrid backtest`: the job's book held through history. For each day d from `from`
/// to `to` by `step`, the job is re-dated to d (`BacktestDay`: calibration as of the close
/// of d - 1, spots at that close, the book rebased to keep its tenors, moneyness and coin
/// exposures), its margin computed as `tailgrid run` computes it, and compared with the
/// realised loss: the book revalued with the engine's pricers at the closes of
/// d - 1 + horizon_days, implied vols held (the `stress.historical` move of day d).
///
/// Each day is a job of its own, a pure function of the job and the day.
public struct BacktestRun: Sendable {
    /// The days, as days since 1970-01-01.
    public let days: [Int]
    /// Scenarios per day when not the job's own (a long daily backtest at fewer).
    public let scenarios: Int?
    public let threads: Int

    /// The most days one backtest computes (40 years daily).
    public static let maxDays = 14_610
    /// The most account-days one backtest keeps (about 1 GB of backtest.csv).
    public static let maxFigures = 10_000_000

    public init(from: Int, to: Int, step: Int, scenarios: Int? = nil, threads: Int) throws(BacktestError) {
        guard from <= to else {
            throw BacktestError("--from \(CalendarDay.text(from)) is after --to \(CalendarDay.text(to))")
        }
        guard step >= 1 else { throw BacktestError("--step must be at least 1 day, got \(step)") }
        let count = (to - from) / step + 1
        guard count <= Self.maxDays else {
            throw BacktestError("\(count) days is more than one backtest computes (\(Self.maxDays)); widen --step or split the range")
        }
        if let scenarios, scenarios < 1 || scenarios > JobFile.maxScenarios {
            throw BacktestError("--scenarios must be from 1 to \(JobFile.maxScenarios), got \(scenarios)")
        }
        guard threads >= 1 else { throw BacktestError("--threads must be at least 1") }
        self.days = Array(stride(from: from, through: to, by: step))
        self.scenarios = scenarios
        self.threads = threads
    }

    /// One day's margin and realised loss for every account of the job, computed here.
    public func day(_ day: Int, of job: LoadedJob) throws(BacktestError) -> BacktestDayResult {
        let redated = try dayJob(day, of: job)
        let plan: EnginePlan
        let result: EngineResult
        do {
            plan = try EnginePlan(redated.engineJob)
            result = try LocalRunner(plan: plan, threads: threads).run()
        } catch {
            throw BacktestError("\(CalendarDay.text(day)): \(error.message)",
                                jobError: JobError(error, file: job.path))
        }
        let margins = result.accounts.map { account in
            DayMargin(valueAtRisk: account.estimates[0].valueAtRisk, expectedShortfall: account.estimates[0].expectedShortfall,
                      initialMargin: account.margin.initialMargin)
        }
        return try dayResult(redated, plan: plan, margins: margins)
    }

    /// The job re-dated to `day` (`BacktestDay`), at the backtest's scenario count: a job
    /// of its own (`JobVariant`), which a cluster computes like any other.
    public func dayJob(_ day: Int, of job: LoadedJob) throws(BacktestError) -> LoadedJob {
        do {
            return try JobFile.parse(jobBytes: job.jobBytes, path: job.path, positions: job.positionsBytes, inputs: job.inputs,
                                     variant: JobVariant(backtestDay: BacktestDay(day: day), scenarios: scenarios))
        } catch {
            throw BacktestError("\(CalendarDay.text(day)): \(error)", jobError: error)
        }
    }

    /// A day's margin figures per account, at the job's first confidence level.
    public struct DayMargin: Sendable, Hashable {
        public let valueAtRisk: Double
        public let expectedShortfall: Double
        public let initialMargin: Double

        public init(valueAtRisk: Double, expectedShortfall: Double, initialMargin: Double) {
            self.valueAtRisk = valueAtRisk
            self.expectedShortfall = expectedShortfall
            self.initialMargin = initialMargin
        }

        /// Each account's figures from a result document of `job` (a cluster's result.json).
        public static func of(_ document: ResultDocument, job: LoadedJob) throws(BacktestError) -> [DayMargin] {
            let label = job.confidenceLabels.first ?? ""
            guard document.accounts.map(\.id) == job.engineJob.accounts.map(\.id) else {
                throw BacktestError("a day's result holds other accounts than the job")
            }
            return try document.accounts.map { account throws(BacktestError) in
                guard let valueAtRisk = account.var[label], let expectedShortfall = account.es[label] else {
                    throw BacktestError("a day's result has no VaR or ES at \(label) for account '\(account.id)'")
                }
                return DayMargin(valueAtRisk: valueAtRisk, expectedShortfall: expectedShortfall, initialMargin: account.initialMargin)
            }
        }
    }

    /// A re-dated day's figures from its margins (computed here or on a cluster) and the
    /// realised loss: the book revalued at the closes that followed, implied vols held.
    public func dayResult(_ redated: LoadedJob, plan: EnginePlan? = nil, margins: [DayMargin]) throws(BacktestError) -> BacktestDayResult {
        guard let outcome = redated.backtest else {
            throw BacktestError("the job was not re-dated")
        }
        let day = outcome.day
        guard margins.count == redated.engineJob.accounts.count else {
            throw BacktestError("\(CalendarDay.text(day)): \(margins.count) margins for \(redated.engineJob.accounts.count) accounts")
        }
        let dayPlan: EnginePlan
        do throws(EngineError) {
            if let plan { dayPlan = plan } else { dayPlan = try EnginePlan(redated.engineJob) }
        } catch {
            throw BacktestError("\(CalendarDay.text(day)): \(error.message)", jobError: JobError(error, file: redated.path))
        }
        let realised = StressScenario(name: "realised \(CalendarDay.text(day))", kind: .historical,
                                      logReturns: outcome.realisedLogReturns)
        let losses = StressTest(scenarios: [realised]).losses(plan: dayPlan)
        let figures = margins.enumerated().map { index, margin in
            BacktestDayResult.Figures(valueAtRisk: margin.valueAtRisk, expectedShortfall: margin.expectedShortfall,
                                      initialMargin: margin.initialMargin, realisedLoss: losses.losses[index])
        }
        return BacktestDayResult(day: day, spots: outcome.spots, accounts: figures)
    }

    /// Refuses a backtest that would keep more account-days than `maxFigures`.
    public func checkSize(of job: LoadedJob) throws(BacktestError) {
        let figures = days.count.multipliedReportingOverflow(by: job.engineJob.accounts.count)
        guard !figures.overflow, figures.partialValue <= Self.maxFigures else {
            throw BacktestError("\(days.count) days x \(job.engineJob.accounts.count) accounts is more than one backtest keeps (\(Self.maxFigures) account-days, each a line of backtest.csv); widen --step, shorten the range or backtest fewer accounts")
        }
    }

    /// Every day, then the statistics per account. `progress` hears (days done, days).
    public func run(_ job: LoadedJob, progress: (Int, Int) -> Void = { _, _ in }) throws(BacktestError) -> BacktestSummary {
        try checkSize(of: job)
        var results: [BacktestDayResult] = []
        results.reserveCapacity(days.count)
        for day in days {
            results.append(try self.day(day, of: job))
            progress(results.count, days.count)
        }
        return try BacktestSummary(job: job.engineJob, days: results)
    }
}

/// One backtest day: its spots and, per account in the job's order, the margin figures
/// and the realised loss, in the account's currency.
public struct BacktestDayResult: Sendable, Hashable {
    public struct Figures: Sendable, Hashable {
        public let valueAtRisk: Double
        public let expectedShortfall: Double
        public let initialMargin: Double
        /// The book's loss over the horizon that followed (negative: a gain).
        public let realisedLoss: Double
    }

    public let day: Int
    public let spots: [String: Double]
    public let accounts: [Figures]
}
