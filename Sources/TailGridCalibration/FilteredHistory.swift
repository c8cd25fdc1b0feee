#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The blocks of filtered historical simulation (Barone-Adesi, Giannopoulos and Vosper
/// 1999; Eurex Prisma, ICE IRM 2): every run of `horizonDays` consecutive days whose start
/// lies in the last `lookbackDays` days of the window, for all coins together, so the real
/// cross-asset dependence of each historical day is kept.
///
/// Each daily return is devolatilised by the EWMA vol expected for its day and rescaled
/// by today's: r~(t) = r(t) sigma(today) / sigma(t), with sigma from
/// `CovarianceEstimator.ewmaVariances` (seeded with the window's mean square). A block's
/// spot move is the sum of its filtered log-returns. Its implied-vol move is the log-change
/// of the EWMA vol over the block, ln(sigma(end) / sigma(start)), centred and standardised
/// by its mean and standard deviation over all blocks: a unit-variance draw that the engine
/// scales by the coin's vol of vol, as it scales a Gaussian vol factor.
public struct FilteredHistory: Sendable, Hashable {
    public let symbols: [String]
    public let horizonDays: Int
    public let lookbackDays: Int
    public let lambda: Double
    /// The day the first block begins on (its first return's day).
    public let firstBlockDay: Int
    public let blockCount: Int
    /// blockCount x symbols, row-major: the block's filtered log-return.
    public let spotMoves: [Double]
    /// lookbackDays x symbols, row-major: each day's filtered log-return, from the first
    /// block's first day; block b's day i is row b + i (the daily steps of a path).
    public let dailyMoves: [Double]
    /// blockCount x symbols: the block's standardised log-change of the EWMA vol.
    public let volMoves: [Double]
    /// Today's EWMA vol per symbol, annualised with sqrt(365).
    public let currentVols: [Double]

    public init(window: ReturnWindow, lambda: Double, horizonDays: Int, lookbackDays: Int) throws(CalibrationError) {
        guard lambda > 0, lambda < 1 else { throw CalibrationError(.badSettings, "lambda must be in (0, 1), got \(lambda)") }
        guard horizonDays >= 1 else { throw CalibrationError(.badSettings, "horizon_days must be a whole number of days >= 1") }
        guard lookbackDays <= window.days else {
            throw CalibrationError(.badSettings, "lookback_days \(lookbackDays) is longer than the calibration window of \(window.days) returns")
        }
        let blockCount = lookbackDays - horizonDays + 1
        guard blockCount >= 20 else {
            throw CalibrationError(.badSettings, "lookback_days \(lookbackDays) with horizon_days \(horizonDays) leaves \(Swift.max(blockCount, 0)) historical blocks; at least 20 are needed")
        }
        let n = window.symbols.count
        let w = window.days
        var spotMoves = [Double](repeating: 0, count: blockCount * n)
        var volMoves = [Double](repeating: 0, count: blockCount * n)
        var dailyMoves = [Double](repeating: 0, count: lookbackDays * n)
        var currentVols = [Double](repeating: 0, count: n)
        let start = w - lookbackDays
        for j in 0..<n {
            let series = (0..<w).map { window.returns[$0 * n + j] }
            let variances = CovarianceEstimator.ewmaVariances(series, lambda: lambda)
            guard variances.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw CalibrationError(.degenerate, symbol: window.symbols[j],
                                       "\(window.symbols[j]): the closes of the window never move, so returns cannot be filtered")
            }
            let today = variances[w].squareRoot()
            currentVols[j] = today * Calibration.daysPerYear.squareRoot()
            for t in start..<w {
                dailyMoves[(t - start) * n + j] = series[t] * today / variances[t].squareRoot()
            }
            var changes = [Double](repeating: 0, count: blockCount)
            for block in 0..<blockCount {
                let first = start + block
                var move = 0.0
                for t in first..<(first + horizonDays) {
                    move += dailyMoves[(t - start) * n + j]
                }
                spotMoves[block * n + j] = move
                changes[block] = 0.5 * log(variances[first + horizonDays] / variances[first])
            }
            let mean = changes.reduce(0, +) / Double(blockCount)
            let deviation = (changes.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(blockCount - 1)).squareRoot()
            for block in 0..<blockCount {
                volMoves[block * n + j] = deviation > 0 ? (changes[block] - mean) / deviation : 0
            }
        }
        self.symbols = window.symbols
        self.horizonDays = horizonDays
        self.lookbackDays = lookbackDays
        self.lambda = lambda
        self.firstBlockDay = window.firstDay + start
        self.blockCount = blockCount
        self.spotMoves = spotMoves
        self.volMoves = volMoves
        self.dailyMoves = dailyMoves
        self.currentVols = currentVols
    }
}
