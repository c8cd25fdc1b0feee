/// Anti-procyclicality by a weight on stressed observations (EMIR RTS 153/2013 art.
/// 28(1)(b): "assigning at least 25% weight to stressed observations in the lookback
/// period"). The calibration's daily covariance becomes
///
///     S = (1 - w) S_window + w S_stressed
///
/// where S_window is the calibration's own estimate (EWMA or sample) and S_stressed the
/// sample covariance of a stressed period's daily returns, so the scenario vols and
/// correlations never fall to what a calm window alone would give.
public struct StressedWeighting: Sendable, Hashable {
    public static let minimumWeight = 0.25
    /// The stressed period searched for by default: 365 days within the 10 years ending
    /// on the calibration's as-of day.
    public static let defaultPeriodDays = 365
    public static let defaultSearchDays = 3_650

    public let weight: Double
    /// The stressed period's daily returns.
    public let window: ReturnWindow
    /// Whether the period was found (`mostVolatile`) rather than given.
    public let found: Bool

    public init(weight: Double, window: ReturnWindow, found: Bool) throws(CalibrationError) {
        guard weight.isFinite, weight >= Self.minimumWeight, weight <= 1 else {
            throw CalibrationError(.badSettings, "a stressed weight must be in [0.25, 1] (EMIR asks at least 25%), got \(weight)")
        }
        self.weight = weight
        self.window = window
        self.found = found
    }

    /// The `days`-day window, ending on a day of the `searchDays` days up to `asOf`, whose
    /// returns have the highest mean over the coins of their sample variance; windows
    /// for which some coin has no prices are skipped. The earliest wins a tie.
    public static func mostVolatile(prices: [DailyPrices], asOf: Int, days: Int,
                                    searchDays: Int) throws(CalibrationError) -> ReturnWindow {
        guard days >= 20, searchDays >= days else {
            throw CalibrationError(.badSettings, "a stressed period needs at least 20 days within the search, got \(days) in \(searchDays)")
        }
        let earliestEnd = Swift.max(asOf - searchDays + days, prices.map { $0.firstDay + days }.max() ?? asOf)
        guard earliestEnd <= asOf else {
            throw CalibrationError(.shortHistory, "no \(days)-day stressed period with prices of every coin ends by \(CalendarDay.text(asOf))")
        }
        // Rolling sums of r and r^2 per coin over the whole search range, so each
        // candidate costs O(coins).
        let first = earliestEnd - days + 1
        let count = asOf - first + 1
        let all = try ReturnWindow(prices: prices, asOf: asOf, days: count)
        let n = prices.count
        var sums = [Double](repeating: 0, count: n)
        var squares = [Double](repeating: 0, count: n)
        var best = (score: -1.0, end: earliestEnd)
        for t in 0..<count {
            for j in 0..<n {
                let r = all.returns[t * n + j]
                sums[j] += r
                squares[j] += r * r
            }
            if t >= days {
                for j in 0..<n {
                    let r = all.returns[(t - days) * n + j]
                    sums[j] -= r
                    squares[j] -= r * r
                }
            }
            guard t >= days - 1 else { continue }
            var score = 0.0
            for j in 0..<n {
                let mean = sums[j] / Double(days)
                score += (squares[j] - Double(days) * mean * mean) / Double(days - 1)
            }
            score /= Double(n)
            if score > best.score { best = (score, first + t) }
        }
        return try ReturnWindow(prices: prices, asOf: best.end, days: days)
    }
}
