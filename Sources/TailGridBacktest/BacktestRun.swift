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

    /// One day's margin and realised loss for every account of the job.
    public func day(_ day: Int, of job: LoadedJob) throws(BacktestError) -> BacktestDayResult {
        let redated: LoadedJob
        do {
            redated = try JobFile.parse(jobBytes: job.jobBytes, path: job.path, positions: job.positionsBytes,
                                        inputs: job.inputs, backtestDay: BacktestDay(day: day))
        } catch {
            throw BacktestError("\(CalendarDay.text(day)): \(error)", jobError: error)
        }
        guard let outcome = redated.backtest else {
            throw BacktestError("\(CalendarDay.text(day)): the job was not re-dated")
        }
        var engineJob = redated.engineJob
        if let scenarios { engineJob.scenarios = scenarios }
        let plan: EnginePlan
        let result: EngineResult
        do {
            plan = try EnginePlan(engineJob)
            result = try LocalRunner(plan: plan, threads: threads).run()
        } catch {
            throw BacktestError("\(CalendarDay.text(day)): \(error.message)",
                                jobError: JobError(error, file: job.path))
        }
        let realised = StressScenario(name: "realised \(CalendarDay.text(day))", kind: .historical,
                                      logReturns: outcome.realisedLogReturns)
        let losses = StressTest(scenarios: [realised]).losses(plan: plan)
        let figures = result.accounts.enumerated().map { index, account in
            let estimate = account.estimates[0]
            return BacktestDayResult.Figures(valueAtRisk: estimate.valueAtRisk, expectedShortfall: estimate.expectedShortfall,
                                             initialMargin: account.margin.initialMargin, realisedLoss: losses.losses[index])
        }
        return BacktestDayResult(day: day, spots: outcome.spots, accounts: figures)
    }

    /// Every day, then the statistics per account. `progress` hears (days done, days).
    public func run(_ job: LoadedJob, progress: (Int, Int) -> Void = { _, _ in }) throws(BacktestError) -> BacktestSummary {
        let figures = days.count.multipliedReportingOverflow(by: job.engineJob.accounts.count)
        guard !figures.overflow, figures.partialValue <= Self.maxFigures else {
            throw BacktestError("\(days.count) days x \(job.engineJob.accounts.count) accounts is more than one backtest keeps (\(Self.maxFigures) account-days, each a line of backtest.csv); widen --step, shorten the range or backtest fewer accounts")
        }
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
