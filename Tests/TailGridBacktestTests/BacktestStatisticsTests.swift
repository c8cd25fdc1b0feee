import Foundation
import Testing
import TailGridBacktest

/// Backtest statistics against numbers computed independently: by hand from the formulas
/// and with scipy 1.17 (`scipy.stats.chi2.sf`, `scipy.stats.binom.cdf`), as written out
/// in each test.
@Suite struct BacktestStatisticsTests {
    /// 250 days at 99%, exceptions on days 10, 11, 50, 120, 121, 122 and 200 (0-based):
    /// x = 7, transitions n00 = 238, n01 = 4, n10 = 4, n11 = 3.
    static let clustered: [Bool] = (0..<250).map { [10, 11, 50, 120, 121, 122, 200].contains($0) }

    /// scipy: LR_uc = 5.496990447793, p = chi2.sf(LR_uc, 1) = 0.019049230891;
    /// LR_ind = 13.487563523752, p = 0.000240149822; LR_cc = 18.984553971545,
    /// p = chi2.sf(LR_cc, 2) = 0.000075432150; binom.cdf(7, 250, 0.01) = 0.995974661288.
    @Test func clusteredExceptionsFailIndependence() throws {
        let test = try CoverageBacktest(exceptions: Self.clustered, confidence: 0.99)
        #expect(test.observations == 250 && test.exceptions == 7)
        #expect(abs(test.expectedExceptions - 2.5) < 1e-12)
        #expect(abs(test.kupiec.statistic - 5.496990447793) < 1e-9)
        #expect(abs(test.kupiec.pValue - 0.019049230891) < 1e-11)
        let independence = try #require(test.independence)
        #expect(abs(independence.statistic - 13.487563523752) < 1e-9)
        #expect(abs(independence.pValue - 0.000240149822) < 1e-12)
        let coverage = try #require(test.conditionalCoverage)
        #expect(coverage.degreesOfFreedom == 2)
        #expect(abs(coverage.statistic - 18.984553971545) < 1e-9)
        #expect(abs(coverage.pValue - 0.000075432150) < 1e-12)
        #expect(abs(test.trafficLight.cumulativeProbability - 0.995974661288) < 1e-11)
        #expect(test.trafficLight.zone == .yellow)
    }

    /// No exceptions in 250 days: LR_uc = -2 * 250 ln 0.99 = 5.025167926751 (scipy p =
    /// 0.024981503053): too few exceptions is a rejection too. No transitions into an
    /// exception: LR_ind = 0, p = 1.
    @Test func noExceptionsIsTooConservative() throws {
        let test = try CoverageBacktest(exceptions: Array(repeating: false, count: 250), confidence: 0.99)
        #expect(abs(test.kupiec.statistic - 5.025167926751) < 1e-9)
        #expect(abs(test.kupiec.pValue - 0.024981503053) < 1e-11)
        #expect(test.independence?.statistic == 0 && test.independence?.pValue == 1)
        #expect(test.trafficLight.zone == .green)
    }

    /// The Basel table for 250 days at 99% (cumulative probabilities 89.22% at 4,
    /// 95.88% at 5, 99.97% at 9, 99.99% at 10; scipy: 0.892188, 0.958817, 0.999750,
    /// 0.999946): green to 4, yellow 5 to 9, red from 10.
    @Test func baselZonesFor250Days() {
        let expected: [(Int, TrafficLight.Zone, Double)] = [
            (0, .green, 0.081059), (4, .green, 0.892188), (5, .yellow, 0.958817), (9, .yellow, 0.999750),
            (10, .red, 0.999946), (30, .red, 1),
        ]
        for (exceptions, zone, probability) in expected {
            let light = TrafficLight(exceptions: exceptions, observations: 250, confidence: 0.99)
            #expect(light.zone == zone, "\(exceptions) exceptions")
            #expect(abs(light.cumulativeProbability - probability) < 1e-6, "\(exceptions): \(light.cumulativeProbability)")
        }
    }

    /// Eight days at alpha = 0.025: losses 12 > 10, 15 > 10 and 30 > 20 exceed their VaR,
    /// so Z2 = 1 - (12/14 + 15/14 + 30/25) / (8 x 0.025) = -14.642857142857 (numpy).
    @Test func acerbiSzekelyZ2ByHand() throws {
        let losses = [5.0, 12, 3, 15, -2, 30, 1, 0.5]
        let valueAtRisk = [10.0, 10, 10, 10, 10, 20, 10, 10]
        let shortfall = [14.0, 14, 14, 14, 14, 25, 14, 14]
        let test = try ShortfallBacktest(losses: losses, valueAtRisk: valueAtRisk, expectedShortfall: shortfall, confidence: 0.975)
        #expect(abs(test.statistic - -14.642857142857) < 1e-9)
        #expect(test.zone == .red)
        // No exceedance at all: Z2 = 1, green.
        let calm = try ShortfallBacktest(losses: [1, 2], valueAtRisk: [5, 5], expectedShortfall: [6, 6], confidence: 0.975)
        #expect(calm.statistic == 1 && calm.zone == .green)
    }

    /// Under a correct model E[Z2] = 0: losses drawn from the model itself (a fixed
    /// standard normal quantile grid, VaR and ES of N(0, 1) at 97.5%: 1.959964 and
    /// 2.337803) give Z2 within 0.05 of 0 over 40,000 equally spaced quantiles.
    @Test func z2IsNearZeroForACorrectModel() throws {
        let count = 40_000
        let losses = (0..<count).map { Self.normalQuantile((Double($0) + 0.5) / Double(count)) }
        let test = try ShortfallBacktest(losses: losses, valueAtRisk: Array(repeating: 1.959964, count: count),
                                         expectedShortfall: Array(repeating: 2.337803, count: count), confidence: 0.975)
        #expect(abs(test.statistic) < 0.05, "Z2 \(test.statistic)")
        #expect(test.zone == .green)
    }

    /// Input no backtest can use: NaN, infinite or non-positive ES, mismatched lengths,
    /// an empty series, a confidence outside (0, 1).
    @Test func badInputIsRefused() {
        #expect(throws: BacktestError.self) { try CoverageBacktest(exceptions: [], confidence: 0.99) }
        #expect(throws: BacktestError.self) { try CoverageBacktest(exceptions: [true], confidence: 1) }
        #expect(throws: BacktestError.self) { try CoverageBacktest(exceptions: [true], confidence: .nan) }
        for (loss, es) in [(Double.nan, 1.0), (1, 0), (1, -3), (.infinity, 1), (1, .nan), (1e308, 1e-308)] {
            #expect(throws: BacktestError.self) {
                _ = try ShortfallBacktest(losses: [loss], valueAtRisk: [0.5], expectedShortfall: [es], confidence: 0.975)
            }
        }
        #expect(throws: BacktestError.self) {
            try ShortfallBacktest(losses: [1, 2], valueAtRisk: [1], expectedShortfall: [1, 1], confidence: 0.975)
        }
    }

    /// The standard normal quantile by bisection on Phi(x) = erfc(-x / sqrt 2) / 2.
    static func normalQuantile(_ p: Double) -> Double {
        var low = -10.0, high = 10.0
        for _ in 0..<100 {
            let middle = (low + high) / 2
            if 0.5 * erfc(-middle / 2.0.squareRoot()) < p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}
