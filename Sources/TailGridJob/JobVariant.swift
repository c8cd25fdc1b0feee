/// How a job is computed other than as written: re-dated to a backtest day
/// (`BacktestDay`), or at another scenario count (a long daily backtest at fewer). A
/// cluster ships the variant with the job's bytes, so the coordinator and every worker
/// parse the same job, and it is part of the job's SHA-256, so each day of a backtest is
/// a job of its own.
public struct JobVariant: Sendable, Hashable {
    public var backtestDay: BacktestDay?
    /// Replaces the job's `scenarios` (1...`JobFile.maxScenarios`).
    public var scenarios: Int?

    public init(backtestDay: BacktestDay? = nil, scenarios: Int? = nil) {
        self.backtestDay = backtestDay
        self.scenarios = scenarios
    }

    /// The days a variant may name: years 1 to 9999.
    public static let days = -719_162...2_932_896

    public var isAsWritten: Bool { backtestDay == nil && scenarios == nil }

    /// A variant from a peer (a submission, a payload, the journal): a day outside
    /// `days` or a scenario count outside 1...`JobFile.maxScenarios` is refused, naming
    /// the file it was for; 0 scenarios means the job's.
    public static func checked(backtestDay: Int64?, scenarios: UInt64, file: String) throws(JobError) -> JobVariant {
        var variant = JobVariant()
        if let day = backtestDay {
            guard day >= Int64(days.lowerBound) && day <= Int64(days.upperBound) else {
                throw JobError(.data, file: file, field: "backtest_day", "day \(day) is not a day of the years 1 to 9999")
            }
            variant.backtestDay = BacktestDay(day: Int(day))
        }
        if scenarios > 0 {
            guard scenarios <= UInt64(JobFile.maxScenarios) else {
                throw JobError(.data, file: file, field: "scenarios", "\(scenarios) scenarios; at most \(JobFile.maxScenarios)")
            }
            variant.scenarios = Int(scenarios)
        }
        return variant
    }

    /// What the variant adds to the job's SHA-256 (nothing as written, so a job's hash is
    /// the hash of its files).
    var digestSuffix: String {
        guard !isAsWritten else { return "" }
        return "\nvariant: backtest_day=\(backtestDay.map { String($0.day) } ?? "-") scenarios=\(scenarios.map(String.init) ?? "-")"
    }
}
