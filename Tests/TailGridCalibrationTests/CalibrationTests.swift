import Foundation
import Testing
import TailGridCalibration
import TailGridTestSupport

@Suite struct CalibrationTests {
    static func history(_ symbol: String) throws -> DailyPrices {
        let rows = try SharedPriceData.closes(symbol)
        let first = try #require(CalendarDay.day(rows[0].date))
        for (offset, row) in rows.enumerated() { #expect(CalendarDay.day(row.date) == first + offset, "\(symbol) has a gap at \(row.date)") }
        return DailyPrices(symbol: symbol, firstDay: first, closes: rows.map(\.close),
                           volumes: [Double](repeating: 0, count: rows.count))
    }

    static let asOf = CalendarDay.day("2025-02-19")!

    @Test func calendarDaysRoundTrip() {
        #expect(CalendarDay.day("1970-01-01") == 0)
        #expect(CalendarDay.day("2025-02-20") == 20_139)
        #expect(CalendarDay.day("2024-02-29") != nil)
        #expect(CalendarDay.day("2023-02-29") == nil)
        #expect(CalendarDay.day("2025-13-01") == nil)
        #expect(CalendarDay.day("2025-2-01") == nil)
        for day in stride(from: -800_000, to: 800_000, by: 997) {
            #expect(CalendarDay.day(CalendarDay.text(day)) == day || day < -719_162)
        }
    }

    /// EWMA (lambda 0.94) and sample vols and correlations of BTC, ETH and SOL over the
    /// 750 daily returns from 2023-02-01 to 2025-02-19 of the shared history.
    ///
    /// The expected numbers come from numpy (2.4), computed independently of the
    /// recursion in the code: with r(t) the 750 log-return rows,
    ///   S1 = R^T R / 750,
    ///   S  = sum_{i=0}^{749} 0.06 x 0.94^i r(750-i) r(750-i)^T + 0.94^750 S1   (EWMA),
    ///   np.cov(R.T, ddof=1)                                               (sample),
    /// vols sqrt(365 S_jj), correlations S_ij / sqrt(S_ii S_jj). The tolerance 1e-9
    /// covers summation order only.
    @Test func ewmaAndSampleMatchAnIndependentComputation() throws {
        let window = try ReturnWindow(prices: try ["BTC", "ETH", "SOL"].map(Self.history), asOf: Self.asOf, days: 750)
        #expect(CalendarDay.text(window.firstDay) == "2023-02-01")
        #expect(CalendarDay.text(window.lastDay) == "2025-02-19")
        let ewma = try Calibration(window: window, estimator: .ewma(lambda: 0.94))
        let expectedVols = [0.328737727511, 0.575858024765, 0.761871611026]
        let expectedCorrelation = [1, 0.681615987226, 0.575708498381,
                                   0.681615987226, 1, 0.369625774158,
                                   0.575708498381, 0.369625774158, 1]
        for (got, want) in zip(ewma.vols, expectedVols) { #expect(abs(got - want) < 1e-9, "\(got) vs \(want)") }
        for (got, want) in zip(ewma.correlation, expectedCorrelation) { #expect(abs(got - want) < 1e-9, "\(got) vs \(want)") }

        let sample = try Calibration(window: window, estimator: .sample)
        let sampleVols = [0.479912390779, 0.567249787951, 0.844283327088]
        let sampleCorrelation = [1, 0.802187007344, 0.68138854025,
                                 0.802187007344, 1, 0.629255506266,
                                 0.68138854025, 0.629255506266, 1]
        for (got, want) in zip(sample.vols, sampleVols) { #expect(abs(got - want) < 1e-9, "\(got) vs \(want)") }
        for (got, want) in zip(sample.correlation, sampleCorrelation) { #expect(abs(got - want) < 1e-9, "\(got) vs \(want)") }
    }

    @Test func shortHistoriesNameTheCoinAndTheDaysNeeded() throws {
        let sol = try Self.history("SOL")   // from 2020-04-10
        #expect(throws: CalibrationError.self) { try ReturnWindow(prices: [sol], asOf: Self.asOf, days: 1800) }
        do {
            _ = try ReturnWindow(prices: [sol], asOf: Self.asOf, days: 1800)
        } catch {
            #expect(error.symbol == "SOL")
            #expect(error.message.contains("2020-04-10"))
        }
        let flat = DailyPrices(symbol: "USDX", firstDay: 0, closes: [Double](repeating: 1, count: 100),
                               volumes: [Double](repeating: 0, count: 100))
        let window = try ReturnWindow(prices: [flat], asOf: 99, days: 50)
        #expect(throws: CalibrationError.self) { try Calibration(window: window, estimator: .ewma(lambda: 0.94)) }
        #expect(throws: CalibrationError.self) { try FilteredHistory(window: window, lambda: 0.94, horizonDays: 1, lookbackDays: 50) }
    }

    /// A block's spot move is the sum of its daily returns, each times sigma(today) /
    /// sigma(day), recomputed here from the EWMA variance recursion written out longhand.
    @Test func filteredBlocksRescaleEachDayByItsOwnVol() throws {
        let window = try ReturnWindow(prices: [try Self.history("BTC"), try Self.history("ETH")], asOf: Self.asOf, days: 500)
        let history = try FilteredHistory(window: window, lambda: 0.94, horizonDays: 2, lookbackDays: 250)
        #expect(history.blockCount == 249)
        #expect(history.firstBlockDay == window.firstDay + 250)
        let btc = (0..<500).map { window.returns[$0 * 2] }
        var variance = btc.reduce(0) { $0 + $1 * $1 } / 500
        var variances = [variance]
        for r in btc {
            variance = 0.94 * variance + 0.06 * r * r
            variances.append(variance)
        }
        let today = variances[500].squareRoot()
        #expect(abs(history.currentVols[0] - today * 365.0.squareRoot()) < 1e-15)
        for block in [0, 100, 248] {
            let t = 250 + block
            let expected = btc[t] * today / variances[t].squareRoot() + btc[t + 1] * today / variances[t + 1].squareRoot()
            #expect(abs(history.spotMoves[block * 2] - expected) < 1e-14)
        }
        // Standardised vol moves: mean 0, variance 1.
        let moves = (0..<history.blockCount).map { history.volMoves[$0 * 2] }
        let mean = moves.reduce(0, +) / Double(moves.count)
        let second = moves.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(moves.count - 1)
        #expect(abs(mean) < 1e-12)
        #expect(abs(second - 1) < 1e-12)
    }
}
