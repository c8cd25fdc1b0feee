import Foundation
import Testing
import TailGridBacktest
import TailGridTestSupport

/// `tailgrid backtest`, as a quant runs it, on the shared BTC history: the files it
/// writes agree with each other, and every bad request exits with its code and writes
/// nothing.
@Suite struct BacktestCommandTests {
    static func job(horizon: String = "2", calibration: Bool = true) -> String {
        """
        job: bt
        valuation_time: 2025-02-20T08:00:00Z
        seed: 11
        scenarios: 4000
        horizon_days: \(horizon)
        confidence: [0.99]
        market:
          underlyings:
            BTC: { spot: 97000, vol: 0.5 }
        \(calibration ? "  calibration: { prices: { BTC: \"\(SharedPriceData.path("BTC"))\" }, lookback_days: 250 }" : "")
        accounts:
          - id: long
            collateral: { USD: 50000 }
            positions: [{ instrument: BTC, quantity: 1 }]
          - id: "=short,puts"
            collateral: { USD: 50000 }
            positions: [{ instrument: BTC_USDC-28MAR25-80000-P, quantity: -5 }]
        """
    }

    static func write(_ yaml: String, into folder: URL) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("bt.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Weekly over 2021 H1: 26 days, two accounts; the JSON's counts are the CSV's rows.
    @Test func aWeeklyBacktestWritesConsistentFiles() async throws {
        let folder = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let job = try Self.write(Self.job(), into: folder)
        let out = folder.appendingPathComponent("out")
        let outcome = try await TailGridProcess.run(["backtest", job, "--from", "2021-01-01", "--to", "2021-06-30", "--step", "7",
                                          "--out", out.path])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("Kupiec p"), "\(outcome.standardOutput)")
        let document = try JSONDecoder().decode(BacktestDocument.self, from: Data(contentsOf: out.appendingPathComponent("backtest.json")))
        #expect(document.days.count == 26 && document.days.first?.date == "2021-01-01" && document.days.last?.date == "2021-06-25")
        #expect(document.accounts.map(\.id) == ["long", "=short,puts"])
        let rows = try String(contentsOf: out.appendingPathComponent("backtest.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst()
        #expect(rows.count == 52)
        for (index, account) in document.accounts.enumerated() {
            #expect(account.days == 26)
            let exceptions = document.days.count { $0.accounts[index].realisedLoss > $0.accounts[index].valueAtRisk }
            #expect(account.varExceptions == exceptions)
            #expect(abs(account.expectedExceptions - 0.26) < 1e-12)
            #expect(account.kupiec.pValue >= 0 && account.kupiec.pValue <= 1)
        }
        // The account id starts with '=': quoted against CSV injection, and its comma kept.
        #expect(rows.contains { $0.contains("\"'=short,puts\"") }, "\(rows.prefix(3))")
        // Spots are the closes of the day before.
        let closes = Dictionary(uniqueKeysWithValues: try SharedPriceData.closes("BTC").map { ($0.date, $0.close) })
        #expect(document.days.first?.spots["BTC"] == closes["2020-12-31"])
    }

    @Test(arguments: [
        (["--from", "2021-02-01", "--to", "2021-01-01"], Int32(64), "is after --to"),
        (["--from", "2021-13-01", "--to", "2021-12-31"], 64, "--from"),
        (["--from", "2021-01-01", "--to", "yesterday"], 64, "--to"),
        (["--from", "2021-01-01", "--to", "2021-02-01", "--step", "0"], 64, "--step"),
        (["--from", "2021-01-01", "--to", "2021-02-01", "--scenarios", "0"], 64, "--scenarios"),
        (["--from", "1900-01-01", "--to", "2021-02-01", "--step", "1"], 64, "more than one backtest computes"),
        (["--from", "2030-01-01", "--to", "2030-02-01"], 65, "BTC-USD.csv"),
        (["--from", "2024-12-20", "--to", "2030-02-01", "--step", "1000"], 65, "BTC-USD.csv"),
        (["--from", "2014-10-01", "--to", "2014-11-01"], 65, "BTC"),
    ])
    func badRangesExitWithTheirCodeAndWriteNothing(flags: [String], status: Int32, message: String) async throws {
        let folder = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let job = try Self.write(Self.job(), into: folder)
        let out = folder.appendingPathComponent("out")
        let outcome = try await TailGridProcess.run(["backtest", job] + flags + ["--out", out.path])
        #expect(outcome.status == status, "\(flags): \(outcome.standardError)")
        #expect(outcome.standardError.contains(message), "\(flags): \(outcome.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    /// A job without price files, or whose horizon is not whole days, cannot be backtested.
    @Test func jobsABacktestCannotReDateAreRefused() async throws {
        for (yaml, message) in [(Self.job(calibration: false), "market.calibration.prices"),
                                (Self.job(horizon: "1.5"), "horizon_days must be a whole number")] {
            let folder = TailGridProcess.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let job = try Self.write(yaml, into: folder)
            let out = folder.appendingPathComponent("out")
            let outcome = try await TailGridProcess.run(["backtest", job, "--from", "2021-01-01", "--to", "2021-01-10", "--out", out.path])
            #expect(outcome.status == 65, "\(outcome.standardError)")
            #expect(outcome.standardError.contains(message), "\(outcome.standardError)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }
}
