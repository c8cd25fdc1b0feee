import Foundation
import Testing
import TailGridCalibration
import TailGridEngine
import TailGridJob
import TailGridTestSupport

/// `margin.apc: { method: lookback_floor }` (RTS 153/2013 art. 28(1)(c)) on the shared BTC
/// and LTC history (both from 2014, so ten years are there to take): the floor is the
/// margin of the same job calibrated by sample over the lookback, with the same random
/// numbers; IM is never below it; bad settings are refused.
@Suite struct LookbackFloorJobTests {
    static func job(apc: String?, lookback: Int = 250, method: String = "sample", model: String = "{ kind: gaussian }",
                    symbols: [String] = ["BTC", "LTC"], calibration: Bool = true) -> String {
        let prices = symbols.map { "\($0): \"\(SharedPriceData.path($0))\"" }.joined(separator: ", ")
        return """
        job: floor
        valuation_time: 2025-02-20T08:00:00Z
        seed: 7
        scenarios: 4096
        horizon_days: 2
        confidence: [0.99]
        model: \(model)
        market:
          underlyings:
            \(symbols[0]): { spot: 97000, vol: 0.5 }
            \(symbols[1]): { spot: 130, vol: 0.7 }
        \(calibration ? "  calibration: { prices: { \(prices) }, lookback_days: \(lookback), method: \(method) }" : "")
        \(apc.map { "margin:\n  apc: \($0)" } ?? "")
        accounts:
          - id: long
            collateral: { USD: 100000 }
            positions: [{ instrument: \(symbols[0]), quantity: 1 }, { instrument: \(symbols[1]), quantity: 100 }]
          - id: spread
            collateral: { USD: 50000 }
            positions: [{ instrument: \(symbols[0]), quantity: 1 }, { instrument: \(symbols[1]), quantity: -600 }]
        """
    }

    static func load(_ text: String) throws -> LoadedJob {
        let folder = try JobFolder()
        defer { folder.remove() }
        return try JobFile.load(path: try folder.write("job.yaml", text))
    }

    static func document(_ loaded: LoadedJob) throws -> ResultDocument {
        ResultDocument(job: loaded, result: try LocalRunner(plan: try EnginePlan(loaded.engineJob), threads: 2).run(),
                       elapsedSeconds: 0)
    }

    /// The floor's margin is, bit for bit, the margin of the job calibrated by sample over
    /// the 3,650 days to as_of: the same estimate, the same scenario vols, the same random
    /// numbers. Calm last 250 days against a decade that holds 2017-2022: the floor binds,
    /// and IM = the 250-day margin + the uplift = the floor's margin.
    @Test func theFloorIsTheMarginOfATenYearSampleCalibration() throws {
        let floored = try Self.load(Self.job(apc: "{ method: lookback_floor }"))
        let decade = try Self.load(Self.job(apc: nil, lookback: 3650))
        let plain = try Self.load(Self.job(apc: nil))
        let floorReport = try #require(floored.calibration?.lookbackFloor)
        let decadeReport = try #require(decade.calibration)
        #expect(floorReport.vols == decadeReport.vols && floorReport.window == decadeReport.window && floorReport.returns == 3650)
        #expect(floorReport.correlation == decadeReport.correlation)
        #expect(floorReport.window.last == "2025-02-19")
        #expect(floored.engineJob.lookbackFloor?.scenarioVols["BTC"] == decade.engineJob.market.underlying("BTC")?.spotScenarioVol)

        let document = try Self.document(floored)
        let reference = try Self.document(decade)
        let without = try Self.document(plain)
        #expect(document.apc?.method == "lookback_floor" && document.apc?.lookbackDays == 3650)
        #expect(document.apc?.lookbackWindow == floorReport.window)
        for (index, account) in document.accounts.enumerated() {
            let parts = account.marginComponents
            let floor = try #require(parts.apcFloorMargin)
            // The floor rows replay the reference job's scenarios exactly.
            #expect(floor == reference.accounts[index].initialMargin, "\(account.id)")
            // The job's own figures are those of the job without the floor.
            #expect(account.es == without.accounts[index].es && parts.base == without.accounts[index].initialMargin)
            let uplift = try #require(parts.apcFloorUplift)
            #expect(uplift == max(0, floor - parts.base))
            #expect(uplift > 0, "\(account.id): the decade is wilder than the last 250 days")
            #expect(abs(account.initialMargin - floor) <= 1e-9 * floor)
            let total = parts.base + parts.stressUplift + parts.shortOptionUplift + parts.liquidityAddOn + parts.apcBuffer + uplift
            #expect(total == account.initialMargin)
        }
        // accounts.csv carries the uplift, and its components add up to IM.
        let csv = String(decoding: ResultWriter.csvData(document, labels: floored.confidenceLabels), as: UTF8.self)
        #expect(csv == AccountsCSVOracle.csv(document, labels: floored.confidenceLabels))
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let column = try #require(lines[0].firstIndex(of: "apc_floor_uplift"))
        #expect(Double(lines[1][column]) == document.accounts[0].marginComponents.apcFloorUplift)
    }

    /// A price file that begins later than the lookback (ETH's begin 2017-11-09): the
    /// longest history both files have, and the result says which window that was.
    @Test func aShorterHistoryTakesWhatThereIs() throws {
        let loaded = try Self.load(Self.job(apc: "{ method: lookback_floor, lookback_days: 5000 }", symbols: ["BTC", "ETH"]))
        let floor = try #require(loaded.calibration?.lookbackFloor)
        #expect(floor.window == ["2017-11-10", "2025-02-19"])
        #expect(floor.returns == (CalendarDay.day("2025-02-19") ?? 0) - (CalendarDay.day("2017-11-09") ?? 0))
        let document = try Self.document(loaded)
        #expect(document.apc?.lookbackDays == 5000 && document.apc?.lookbackWindow == floor.window)
    }

    static let refusals: [APCRefusal] = [
        APCRefusal(apc: "{ method: lookback_floor, lookback_days: 3649 }", field: "margin.apc.lookback_days", says: "3650"),
        APCRefusal(apc: "{ method: lookback_floor, lookback_days: 10001 }", field: "margin.apc.lookback_days", says: "10000"),
        APCRefusal(apc: "{ method: lookback_floor, lookback_days: -1 }", field: "margin.apc.lookback_days", says: "3650"),
        APCRefusal(apc: "{ method: lookback_floor, lookback_days: .nan }", field: "margin.apc.lookback_days", says: "whole number"),
        APCRefusal(apc: "{ method: lookback_floor, lookback_days: 1e308 }", field: "margin.apc.lookback_days", says: "whole number"),
        APCRefusal(apc: "{ method: lookback_floor, lookback_days: 3650.5 }", field: "margin.apc.lookback_days", says: "whole number"),
        APCRefusal(apc: "{ method: lookback_floor, lookback_days: \"\" }", field: "margin.apc.lookback_days", says: "whole number"),
        APCRefusal(apc: "{ method: lookback_floor, weight: 0.3 }", field: "margin.apc.weight", says: "unknown key"),
        APCRefusal(apc: "{ method: buffer, lookback_days: 3650 }", field: "margin.apc.lookback_days", says: "unknown key"),
        APCRefusal(apc: "{ method: lookback_floor }", model: "{ kind: fhs, lookback_days: 250 }", field: "margin.apc", says: "kind: fhs"),
        APCRefusal(apc: "{ method: lookback_floor }", calibration: false, field: "margin.apc", says: "no calibration"),
    ]

    /// Each refused with exit code 65, naming the field.
    @Test(arguments: refusals)
    func badSettingsAreRefused(_ refusal: APCRefusal) {
        refusal.expectRefused({ Self.job(apc: $0, model: $1, calibration: $2) }, load: Self.load)
    }
}
