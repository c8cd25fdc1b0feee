import Foundation
import Testing
import TailGridCalibration
import TailGridEngine
import TailGridJob
import TailGridTestSupport

/// `margin.apc: { method: stressed_weight }` on the shared BTC and ETH history: the weighted
/// calibration reaches the scenarios and the result says so; bad settings are refused.
@Suite struct StressedWeightingJobTests {
    static func job(apc: String, model: String = "{ kind: gaussian }", calibration: Bool = true) -> String {
        """
        job: apc
        valuation_time: 2025-02-20T08:00:00Z
        seed: 7
        scenarios: 4096
        horizon_days: 2
        confidence: [0.99]
        model: \(model)
        market:
          underlyings:
            BTC: { spot: 97000, vol: 0.5 }
            ETH: { spot: 2700, vol: 0.7 }
        \(calibration ? "  calibration: { prices: { BTC: \"\(SharedPriceData.path("BTC"))\", ETH: \"\(SharedPriceData.path("ETH"))\" }, lookback_days: 250, method: sample }" : "")
        margin:
          apc: \(apc)
        accounts:
          - id: long
            collateral: { USD: 100000 }
            positions: [{ instrument: BTC, quantity: 1 }, { instrument: ETH, quantity: 10 }]
        """
    }

    static func load(_ text: String) throws -> LoadedJob {
        let folder = try JobFolder()
        defer { folder.remove() }
        return try JobFile.load(path: try folder.write("job.yaml", text))
    }

    /// Found: the most volatile 365 days of the ten years; each scenario vol is
    /// sqrt(0.75 window^2 + 0.25 stressed^2), and result.json names the tool.
    @Test func theWeightedCalibrationReachesTheScenariosAndTheResult() throws {
        let loaded = try Self.load(Self.job(apc: "{ method: stressed_weight }"))
        let report = try #require(loaded.calibration)
        let stressed = try #require(report.stressed)
        #expect(stressed.weight == 0.25)
        #expect(stressed.selection.hasPrefix("the most volatile 365 days"))
        let first = try #require(CalendarDay.day(stressed.period[0])), last = try #require(CalendarDay.day(stressed.period[1]))
        #expect(last - first + 1 == 365 && last <= CalendarDay.day("2025-02-19")! && last >= CalendarDay.day("2015-02-19")!)
        for symbol in ["BTC", "ETH"] {
            let window = try #require(stressed.windowVols[symbol]), crisis = try #require(stressed.stressedVols[symbol])
            let blended = (0.75 * window * window + 0.25 * crisis * crisis).squareRoot()
            #expect(abs((report.vols[symbol] ?? 0) - blended) <= 1e-12 * blended)
            #expect(loaded.engineJob.market.underlying(symbol)?.spotScenarioVol == report.vols[symbol])
            #expect(crisis > window, "\(symbol): the stressed year is wilder than the last 250 days")
        }
        let result = try LocalRunner(plan: try EnginePlan(loaded.engineJob), threads: 2).run()
        let document = ResultDocument(job: loaded, result: result, elapsedSeconds: 0)
        #expect(document.apc?.method == "stressed_weight" && document.apc?.weight == 0.25)
        #expect(document.apc?.stressedPeriod == stressed.period && document.apc?.rate == nil)
        #expect(document.accounts[0].marginComponents.apcBuffer == 0, "the weighting is in the scenarios, not a buffer")
    }

    /// Given: the period as written, and its vols those of exactly those returns.
    @Test func aGivenPeriodIsUsedAsWritten() throws {
        let loaded = try Self.load(Self.job(apc: "{ method: stressed_weight, weight: 0.4, stressed_period: [2020-03-01, 2020-12-31] }"))
        let stressed = try #require(loaded.calibration?.stressed)
        #expect(stressed.period == ["2020-03-01", "2020-12-31"] && stressed.selection == "given" && stressed.weight == 0.4)
        let btc = try Self.history("BTC")
        let first = try #require(CalendarDay.day("2020-03-01")), last = try #require(CalendarDay.day("2020-12-31"))
        var returns: [Double] = []
        for day in first...last {
            let today: Double = btc.closes[day - btc.firstDay]
            let yesterday: Double = btc.closes[day - 1 - btc.firstDay]
            returns.append(log(today / yesterday))
        }
        let mean: Double = returns.reduce(0, +) / Double(returns.count)
        var sum = 0.0
        for r in returns { sum += (r - mean) * (r - mean) }
        let variance = sum / Double(returns.count - 1)
        #expect(abs((stressed.stressedVols["BTC"] ?? 0) - (365 * variance).squareRoot()) <= 1e-12)
    }

    static func history(_ symbol: String) throws -> DailyPrices {
        let rows = try SharedPriceData.closes(symbol)
        let first = try #require(CalendarDay.day(rows[0].date))
        return DailyPrices(symbol: symbol, firstDay: first, closes: rows.map(\.close), volumes: [Double](repeating: 0, count: rows.count))
    }

    static let refusals: [APCRefusal] = [
        APCRefusal(apc: "{ method: stressed_weight, weight: 0.1 }", field: "margin.apc.weight", says: "[0.25, 1]"),
        APCRefusal(apc: "{ method: stressed_weight, weight: .nan }", field: "margin.apc.weight", says: "expected a number"),
        APCRefusal(apc: "{ method: stressed_weight, weight: 1e308 }", field: "margin.apc.weight", says: "[0.25, 1]"),
        APCRefusal(apc: "{ method: stressed_weight, stressed_period: [2025-03-01, 2025-06-30] }", field: "margin.apc.stressed_period",
                says: "not known yet"),
        APCRefusal(apc: "{ method: stressed_weight, stressed_period: [2020-03-10, 2020-03-01] }", field: "margin.apc.stressed_period",
                says: "at least 20"),
        APCRefusal(apc: "{ method: stressed_weight, stressed_period: [2020-03-01] }", field: "margin.apc.stressed_period",
                says: "[FIRST, LAST]"),
        APCRefusal(apc: "{ method: stressed_weight, stressed_period: [2020-02-30, 2020-12-31] }", field: "margin.apc.stressed_period[0]",
                says: "expected a date"),
        APCRefusal(apc: "{ method: stressed_weight, stressed_period: [2010-01-01, 2010-12-31] }", field: "margin.apc", says: "BTC"),
        APCRefusal(apc: "{ method: stressed_weight, rate: 0.3 }", field: "margin.apc.rate", says: "unknown key"),
        APCRefusal(apc: "{ method: stressed_weight }", model: "{ kind: fhs, lookback_days: 250 }", field: "margin.apc",
                says: "kind: fhs"),
        APCRefusal(apc: "{ method: stressed_weight }", calibration: false, field: "margin.apc", says: "no calibration"),
    ]

    /// Each refused with exit code 65, naming the field.
    @Test(arguments: refusals)
    func badSettingsAreRefused(_ refusal: APCRefusal) {
        refusal.expectRefused({ Self.job(apc: $0, model: $1, calibration: $2) }, load: Self.load)
    }
}
