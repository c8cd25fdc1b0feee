#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Daily log-returns of several coins over the same window of days: r(d) = ln(P(d) / P(d - 1))
/// for the `days` days ending on `lastDay` (the as-of day), one row per day.
public struct ReturnWindow: Sendable, Hashable {
    public let symbols: [String]
    /// The day of the first return (its close and the previous day's close).
    public let firstDay: Int
    public let days: Int
    /// days x symbols, row-major: returns[t * symbols.count + j].
    public let returns: [Double]

    public var lastDay: Int { firstDay + days - 1 }

    /// The window of `days` returns ending on `asOf`; every history must hold the closes
    /// from asOf - days to asOf.
    public init(prices: [DailyPrices], asOf: Int, days: Int) throws(CalibrationError) {
        guard days >= 2 else { throw CalibrationError(.badSettings, "a window needs at least 2 returns, got \(days)") }
        let first = asOf - days + 1
        var returns = [Double](repeating: 0, count: days * prices.count)
        for (column, history) in prices.enumerated() {
            guard history.firstDay <= first - 1, history.lastDay >= asOf else {
                throw CalibrationError(
                    .shortHistory, symbol: history.symbol,
                    "\(history.symbol): the history covers \(CalendarDay.text(history.firstDay)) to \(CalendarDay.text(history.lastDay)); \(days) daily returns ending \(CalendarDay.text(asOf)) need every close from \(CalendarDay.text(first - 1)) to \(CalendarDay.text(asOf))")
            }
            for t in 0..<days {
                let day = first + t
                let today = history.closes[day - history.firstDay]
                let yesterday = history.closes[day - 1 - history.firstDay]
                returns[t * prices.count + column] = log(today / yesterday)
            }
        }
        self.symbols = prices.map(\.symbol)
        self.firstDay = first
        self.days = days
        self.returns = returns
    }
}
