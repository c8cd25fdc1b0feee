import Foundation
import Testing
import TailGridBacktest
import TailGridCalibration
import TailGridJob
import TailGridTestSupport

/// The backtest's day jobs against the real history in `../shared/data/crypto-daily`: the
/// realised loss is the actual move applied to the rebased book (checked against closed
/// forms written here), and nothing after the day's horizon is read.
@Suite struct BacktestRunTests {
    /// A 2025 book: 2 BTC, 100,000 USD of the inverse perpetual, 10 short puts 17.5% out
    /// of the money with 36 days left. Flat vols, no rate, no carry: closed forms apply.
    static func job(prices: String, lookback: Int = 250) -> String {
        """
        job: backtest-check
        valuation_time: 2025-02-20T08:00:00Z
        seed: 7
        scenarios: 20000
        horizon_days: 2
        confidence: [0.99]
        model: { kind: gaussian }
        market:
          underlyings:
            BTC: { spot: 97000, vol: 0.5 }
          calibration:
            prices: { BTC: "\(prices)" }
            lookback_days: \(lookback)
        accounts:
          - id: spot
            collateral: { USD: 100000 }
            positions: [{ instrument: BTC, quantity: 2 }]
          - id: perp
            collateral: { USD: 100000 }
            positions: [{ instrument: BTC-PERPETUAL, quantity: 100000 }]
          - id: put
            collateral: { USD: 100000 }
            positions: [{ instrument: BTC_USDC-28MAR25-80000-P, quantity: -10 }]
        """
    }

    /// The job as a backtest loads it: re-dated to its first day, whose files it reads.
    static func load(_ yaml: String, folder: URL, day: Int) throws -> LoadedJob {
        let path = folder.appendingPathComponent("job-\(UUID().uuidString).yaml")
        try yaml.write(to: path, atomically: true, encoding: .utf8)
        return try JobFile.load(path: path.path, backtestDay: BacktestDay(day: day))
    }

    static func folder() throws -> URL {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tailgrid-backtest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Black-Scholes put with no rate or carry: K N(-d2) - S N(-d1), N from erfc.
    static func put(spot: Double, strike: Double, vol: Double, years: Double) -> Double {
        let deviation = vol * years.squareRoot()
        let d1 = (log(spot / strike) + deviation * deviation / 2) / deviation
        let d2 = d1 - deviation
        let n = { (x: Double) in 0.5 * erfc(-x / 2.squareRoot()) }
        return strike * n(-d2) - spot * n(-d1)
    }

    /// 2020-03-12 (the COVID crash): spots at the close of 2020-03-11, the realised loss
    /// the move to the close of 2020-03-13 on the rebased book.
    @Test func realisedLossIsTheActualMoveOnTheRebasedBook() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let day = try #require(CalendarDay.day("2020-03-12"))
        let job = try Self.load(Self.job(prices: SharedPriceData.path("BTC")), folder: folder, day: day)
        let closes = Dictionary(uniqueKeysWithValues: try SharedPriceData.closes("BTC").map { ($0.date, $0.close) })
        let s0 = try #require(closes["2020-03-11"]), s1 = try #require(closes["2020-03-13"])

        let redated = try JobFile.parse(jobBytes: job.jobBytes, path: job.path, positions: nil, inputs: job.inputs,
                                        backtestDay: BacktestDay(day: day))
        #expect(redated.calibration?.asOf == "2020-03-11", "the calibration ends the day before")
        #expect(redated.engineJob.market.valuationTime == ISO8601DateFormatter().date(from: "2020-03-12T08:00:00Z"))
        #expect(redated.backtest?.spots == ["BTC": s0])
        #expect(redated.engineJob.stress.scenarios.isEmpty)

        let result = try BacktestRun(from: day, to: day, step: 1, threads: 2).day(day, of: job)
        let losses = result.accounts.map(\.realisedLoss)
        // 2 coins.
        let spotLoss = -2 * (s1 - s0)
        #expect(abs(losses[0] - spotLoss) <= 1e-9 * abs(spotLoss), "\(losses[0]) vs \(spotLoss)")
        // USD notional scaled to keep the coin exposure: Q' = 100,000 S0 / 97,000.
        let perpLoss = -(100_000 * s0 / 97_000) * (s1 / s0 - 1)
        #expect(abs(losses[1] - perpLoss) <= 1e-9 * abs(perpLoss), "\(losses[1]) vs \(perpLoss)")
        // The strike keeps its moneyness, the expiry its 36 days; 2 days pass.
        let strike = 80_000 * s0 / 97_000
        let putLoss = 10 * (Self.put(spot: s1, strike: strike, vol: 0.5, years: 34 / 365)
                            - Self.put(spot: s0, strike: strike, vol: 0.5, years: 36 / 365))
        #expect(putLoss > 0, "a crash loses on short puts")
        #expect(abs(losses[2] - putLoss) <= 10 * 1e-8 * s0, "\(losses[2]) vs \(putLoss)")
        // The crash was an exception for every account at 99%.
        #expect(result.accounts.allSatisfy { $0.realisedLoss > $0.valueAtRisk }, "\(result.accounts)")
        #expect(result.accounts.allSatisfy { $0.valueAtRisk > 0 && $0.expectedShortfall >= $0.valueAtRisk })
    }

    /// A price file cut after the last close the day needs gives the same day, bit for
    /// bit; cut one close earlier, the day is refused naming the file and the close.
    @Test func nothingAfterTheHorizonIsRead() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let day = try #require(CalendarDay.day("2022-11-09"))
        let earlier = try #require(CalendarDay.day("2022-11-01"))
        let full = try Self.load(Self.job(prices: SharedPriceData.path("BTC")), folder: folder, day: day)
        let text = try String(contentsOfFile: SharedPriceData.path("BTC"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        /// The job on a copy of the BTC file that ends with `date`, loaded at 2022-11-01.
        func cut(after date: String) throws -> LoadedJob {
            let kept = lines.prefix { !$0.hasPrefix(date) } + lines.filter { $0.hasPrefix(date) }
            let file = folder.appendingPathComponent("BTC-\(date).csv")
            try (kept.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
            return try Self.load(Self.job(prices: file.path), folder: folder, day: earlier)
        }
        let run = try BacktestRun(from: day, to: day, step: 1, threads: 2)
        let reference = try run.day(day, of: full)
        #expect(try run.day(day, of: try cut(after: "2022-11-10")) == reference)
        let short = try cut(after: "2022-11-09")
        do throws(BacktestError) {
            _ = try run.day(day, of: short)
            Issue.record("a day without the close of its horizon's end must be refused")
        } catch {
            #expect(error.message.contains("2022-11-10"), "\(error.message)")
            #expect(error.message.contains("BTC-2022-11-09.csv"), "\(error.message)")
            #expect(error.jobError?.exitCode == 65)
        }
    }
}
