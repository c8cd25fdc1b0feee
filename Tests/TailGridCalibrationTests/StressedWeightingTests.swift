import Foundation
import Testing
import TailGridCalibration
import TailGridTestSupport

/// The stressed weighting of RTS 153/2013 art. 28(1)(b), against sums written out here.
@Suite struct StressedWeightingTests {
    /// Unbiased sample variance of ln(P(d) / P(d - 1)) for the returns of days first...last.
    static func sampleVariance(_ history: DailyPrices, first: Int, last: Int) -> Double {
        let returns = (first...last).map { log(history.closes[$0 - history.firstDay] / history.closes[$0 - 1 - history.firstDay]) }
        let mean = returns.reduce(0, +) / Double(returns.count)
        return returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(returns.count - 1)
    }

    /// The blend is (1 - w) S_window + w S_stressed: each vol^2 / 365 is that mix of the two
    /// sample variances, and the report keeps both vols.
    @Test func vols_areTheWeightedMixOfTheTwoVariances() throws {
        let btc = try CalibrationTests.history("BTC")
        let asOf = CalibrationTests.asOf
        let window = try ReturnWindow(prices: [btc], asOf: asOf, days: 250)
        let crash = try #require(CalendarDay.day("2020-06-30"))
        let stressedWindow = try ReturnWindow(prices: [btc], asOf: crash, days: 200)
        let calibration = try Calibration(window: window, estimator: .sample,
                                          stressed: StressedWeighting(weight: 0.3, window: stressedWindow, found: false))
        let calm = Self.sampleVariance(btc, first: asOf - 249, last: asOf)
        let stressed = Self.sampleVariance(btc, first: crash - 199, last: crash)
        let expected = (365 * (0.7 * calm + 0.3 * stressed)).squareRoot()
        #expect(abs(calibration.vols[0] - expected) <= 1e-12 * expected, "\(calibration.vols[0]) vs \(expected)")
        #expect(abs(calibration.windowVols[0] - (365 * calm).squareRoot()) <= 1e-12)
        #expect(abs((calibration.stressedVols?[0] ?? 0) - (365 * stressed).squareRoot()) <= 1e-12)
        #expect(calibration.vols[0] > calibration.windowVols[0], "March 2020 was wilder than 2024-25")
    }

    /// The most volatile year is the argmax of the mean sample variance over every 365-day
    /// window ending in the ten years to 2025-02-19, found here by brute force.
    @Test func theMostVolatileYearIsTheArgmax() throws {
        let prices = [try CalibrationTests.history("BTC"), try CalibrationTests.history("ETH")]
        let asOf = CalibrationTests.asOf
        let found = try StressedWeighting.mostVolatile(prices: prices, asOf: asOf, days: 365, searchDays: 3_650)
        let earliest = max(asOf - 3_650 + 365, prices.map { $0.firstDay + 365 }.max() ?? 0)
        var best = (score: -1.0, end: earliest)
        for end in earliest...asOf {
            let score = prices.map { Self.sampleVariance($0, first: end - 364, last: end) }.reduce(0, +) / 2
            if score > best.score + 1e-15 { best = (score, end) }
        }
        #expect(found.lastDay == best.end, "found \(CalendarDay.text(found.lastDay)), brute force \(CalendarDay.text(best.end))")
        #expect(found.days == 365 && found.symbols == ["BTC", "ETH"])
    }

    @Test func weightsBelowAQuarterOrNotANumberAreRefused() throws {
        let btc = try CalibrationTests.history("BTC")
        let window = try ReturnWindow(prices: [btc], asOf: CalibrationTests.asOf, days: 30)
        for weight in [0.24, -1, .nan, .infinity, 1.01] {
            #expect(throws: CalibrationError.self) { try StressedWeighting(weight: weight, window: window, found: false) }
        }
        #expect(throws: CalibrationError.self) {
            try StressedWeighting.mostVolatile(prices: [btc], asOf: CalibrationTests.asOf, days: 10, searchDays: 3_650)
        }
        let start = try #require(CalendarDay.day("2014-10-01"))
        #expect(throws: CalibrationError.self) {
            try StressedWeighting.mostVolatile(prices: [btc], asOf: start, days: 365, searchDays: 3_650)
        }
    }
}
