import Foundation
import Testing
import TailGridCalibration
import TailGridEngine
import TailGridJob
import TailGridTestSupport

/// Jobs calibrated from price files: market files, data folders, what is refused in a
/// price file (a table of broken files), and the calibrated numbers reaching the engine.
@Suite struct CalibrationJobTests {
    /// 120 days of synthetic closes from 2024-10-01 (day 19_997) to 2025-01-28, a
    /// deterministic zig-zag with its own scale per coin.
    static func prices(scale: Double, days: Int = 120) -> String {
        var lines = ["datetime,open,high,low,close,volume"]
        for day in 0..<days {
            let close = scale * (1 + 0.03 * sin(Double(day) * 1.7) + 0.001 * Double(day))
            lines.append("\(CalendarDay.text(19_997 + day)),\(close),\(close),\(close),\(close),\(1000 + day)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The market block's body, also written as a market file.
    static let marketBody = """
        rate: 0.0
        underlyings:
          BTC: { spot: 97600, vol: 0.55, vol_of_vol: 1.2 }
          ETH: { spot: 2719, vol: 0.70 }
        calibration:
          prices: { BTC: BTC.csv, ETH: ETH.csv }
          as_of: 2025-01-28
          lookback_days: 100

        """

    static func job(calibration: String = "", model: String = "{ kind: gaussian }", extra: String = "",
                    horizon: String = "2", market: String? = nil) -> String {
        let indented = marketBody.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        let marketBlock = market ?? "market:\n\(indented)\n\(calibration)"
        return """
            job: calibrated
            valuation_time: 2025-02-20T08:00:00Z
            seed: 11
            scenarios: 4096
            horizon_days: \(horizon)
            confidence: 0.99
            chunk_size: 1024
            model: \(model)
            \(extra)
            \(marketBlock)
            collateral_haircuts: { BTC: 0.1 }
            accounts:
              - id: a
                collateral: { USD: 100000 }
                positions:
                  - { instrument: BTC-PERPETUAL, quantity: 50000 }
                  - { instrument: ETH_USDC-PERPETUAL, quantity: -10 }

            """
    }

    static func folder(btc: String = prices(scale: 90_000), eth: String = prices(scale: 3_000)) throws -> JobFolder {
        let folder = try JobFolder()
        try folder.write("BTC.csv", btc)
        try folder.write("ETH.csv", eth)
        return folder
    }

    @Test func calibratedVolsAndCorrelationReachTheEngine() throws {
        let folder = try Self.folder()
        defer { folder.remove() }
        let loaded = try JobFile.load(path: try folder.write("job.yaml", Self.job()))
        let report = try #require(loaded.calibration)
        #expect(report.window == ["2024-10-21", "2025-01-28"])
        #expect(report.returns == 100)
        let btc = try #require(loaded.engineJob.market.underlying("BTC"))
        #expect(btc.vol == 0.55, "implied vols stay those of the market block")
        #expect(btc.scenarioVol == report.vols["BTC"])
        let correlation = try #require(loaded.engineJob.correlation)
        #expect(correlation.factors == ["BTC", "ETH"])
        #expect(abs(correlation.matrix.matrix[0, 1] - report.correlation.matrix[0][1]) < 1e-15)
        #expect(loaded.inputs.map(\.key) == ["prices:BTC.csv", "prices:ETH.csv"])
        // The wire path: the same bytes parse to the same job and digest.
        let again = try JobFile.parse(jobBytes: loaded.jobBytes, path: loaded.path, positions: nil, inputs: loaded.inputs)
        #expect(again.inputSHA256 == loaded.inputSHA256)
        #expect(again.engineJob.market == loaded.engineJob.market)
        #expect(throws: JobError.self) { try JobFile.parse(jobBytes: loaded.jobBytes, path: loaded.path, positions: nil) }
        // scenario_vol wins over the calibration.
        let pinned = Self.job().replacingOccurrences(of: "vol_of_vol: 1.2 }", with: "vol_of_vol: 1.2, scenario_vol: 0.9 }")
        let pinnedJob = try JobFile.load(path: try folder.write("pinned.yaml", pinned))
        #expect(pinnedJob.engineJob.market.underlying("BTC")?.scenarioVol == 0.9)
    }

    @Test func aMarketFileAndADataFolderGiveTheSameJob() throws {
        let folder = try Self.folder()
        defer { folder.remove() }
        let inline = try JobFile.load(path: try folder.write("inline.yaml", Self.job()))
        try FileManager.default.createDirectory(atPath: folder.path + "/data", withIntermediateDirectories: true)
        try folder.write("data/BTC.csv", Self.prices(scale: 90_000))
        try folder.write("data/ETH.csv", Self.prices(scale: 3_000))
        try folder.write("market.yaml", Self.marketBody)
        let shared = try JobFile.load(path: try folder.write("shared.yaml", Self.job(extra: "data_dir: data\nmarket_file: market.yaml", market: "")))
        #expect(shared.engineJob.market == inline.engineJob.market)
        #expect(shared.inputs.map(\.key) == ["market:market.yaml", "prices:BTC.csv", "prices:ETH.csv"])
        // --data-dir overrides the job's data_dir.
        #expect(throws: JobError.self) { try JobFile.load(path: folder.path + "/shared.yaml", dataDirectory: "/nonexistent") }
        let overridden = try JobFile.load(path: folder.path + "/shared.yaml", dataDirectory: folder.path)
        #expect(overridden.engineJob.market == inline.engineJob.market)
    }

    struct BrokenFile: Sendable, CustomStringConvertible {
        let what: String
        let change: @Sendable (String) -> String
        let line: Int?
        let says: String
        /// Whether `fill: previous` repairs it.
        let fillable: Bool
        var description: String { what }
    }

    static func lines(_ text: String, _ edit: (inout [String]) -> Void) -> String {
        var lines = text.components(separatedBy: "\n")
        edit(&lines)
        return lines.joined(separator: "\n")
    }

    /// Each row breaks BTC.csv one way: element i of the lines is line i + 1 of the file,
    /// the close of 2024-10-01 + (i - 1) days.
    static let brokenFiles: [BrokenFile] = [
        BrokenFile(what: "a missing day", change: { lines($0) { $0.remove(at: 50) } }, line: 51, says: "1 day(s) missing", fillable: true),
        BrokenFile(what: "a close of 1e308", change: { lines($0) { $0[60] = "2024-11-29,1,1,1,1e308,5" } }, line: 61, says: "must be a positive price", fillable: true),
        BrokenFile(what: "a zero close", change: { lines($0) { $0[60] = "2024-11-29,1,1,1,0,5" } }, line: 61, says: "must be a positive price", fillable: true),
        BrokenFile(what: "a negative close", change: { lines($0) { $0[60] = "2024-11-29,1,1,1,-5,5" } }, line: 61, says: "must be a positive price", fillable: true),
        BrokenFile(what: "a close that is not a number", change: { lines($0) { $0[60] = "2024-11-29,1,1,1,nan,5" } }, line: 61, says: "must be a positive price", fillable: true),
        BrokenFile(what: "an empty close", change: { lines($0) { $0[60] = "2024-11-29,1,1,1,,5" } }, line: 61, says: "must be a positive price", fillable: true),
        BrokenFile(what: "dates out of order", change: { lines($0) { $0.swapAt(40, 41) } }, line: 42, says: "increasing date order", fillable: false),
        BrokenFile(what: "a repeated date", change: { lines($0) { $0.insert($0[30], at: 31) } }, line: 32, says: "appears twice", fillable: false),
        BrokenFile(what: "a file shorter than the lookback", change: { lines($0) { $0.removeSubrange(1..<40) } }, line: nil, says: "need every close from 2024-10-20", fillable: false),
        BrokenFile(what: "no close column", change: { $0.replacingOccurrences(of: "low,close,volume", with: "low,last,volume") }, line: 1, says: "must name a datetime", fillable: false),
        BrokenFile(what: "a date that does not exist", change: { lines($0) { $0[20] = "2024-10-32,1,1,1,5,5" } }, line: 21, says: "expected a date", fillable: false),
        BrokenFile(what: "a row with too few fields", change: { lines($0) { $0[20] = "2024-10-20,1,1,5" } }, line: 21, says: "expected 6 fields", fillable: false),
        BrokenFile(what: "an empty file", change: { _ in "" }, line: nil, says: "is empty", fillable: false),
        BrokenFile(what: "a header alone", change: { _ in "datetime,open,high,low,close,volume\n" }, line: nil, says: "no prices", fillable: false),
        BrokenFile(what: "a first close of zero", change: { lines($0) { $0[1] = "2024-10-01,1,1,1,0,5" } }, line: 2, says: "must be a positive price", fillable: false),
        BrokenFile(what: "an unclosed quote", change: { lines($0) { $0[10] = "2024-10-10,\"1,1,1,5,5" } }, line: nil, says: "quote", fillable: false),
    ]

    @Test(arguments: brokenFiles)
    func brokenPriceFilesAreRefusedNamingFileAndLine(_ broken: BrokenFile) throws {
        let folder = try Self.folder(btc: broken.change(Self.prices(scale: 90_000)))
        defer { folder.remove() }
        let path = try folder.write("job.yaml", Self.job())
        #expect { try JobFile.load(path: path) } throws: { error in
            guard let error = error as? JobError else { return false }
            #expect(error.code == .data)
            #expect(error.file == "BTC.csv", "\(error)")
            if let line = broken.line { #expect(error.line == line, "\(error)") }
            #expect(error.message.contains(broken.says), "\(error)")
            return true
        }
        let filled = try folder.write("filled.yaml", Self.job(calibration: "    fill: previous"))
        if broken.fillable {
            let loaded = try JobFile.load(path: filled)
            #expect(loaded.calibration?.filledDays["BTC"] == 1)
        } else {
            #expect(throws: JobError.self) { try JobFile.load(path: filled) }
        }
    }

    /// Volumes are read when present; a volume that is not a non-negative number counts as
    /// unknown (0) and changes nothing: no calibration uses volumes yet.
    @Test func oddVolumesCountAsUnknown() throws {
        let odd = Self.lines(Self.prices(scale: 90_000)) { lines in
            lines[30] = lines[30].split(separator: ",").dropLast().joined(separator: ",") + ",nan"
            lines[31] = lines[31].split(separator: ",").dropLast().joined(separator: ",") + ",-1e308"
            lines[32] = lines[32].split(separator: ",").dropLast().joined(separator: ",") + ","
        }
        let folder = try Self.folder(btc: odd)
        defer { folder.remove() }
        let plain = try Self.folder()
        defer { plain.remove() }
        let loaded = try JobFile.load(path: try folder.write("job.yaml", Self.job()))
        let reference = try JobFile.load(path: try plain.write("job.yaml", Self.job()))
        #expect(loaded.engineJob.market == reference.engineJob.market)
    }

    @Test func notUTF8IsRefused() throws {
        let folder = try Self.folder()
        defer { folder.remove() }
        try Data([0x64, 0xff, 0xfe, 0x0a]).write(to: URL(fileURLWithPath: folder.path + "/BTC.csv"))
        #expect { try JobFile.load(path: try folder.write("job.yaml", Self.job())) } throws: { error in
            (error as? JobError)?.file == "BTC.csv" && (error as? JobError)?.message.contains("UTF-8") == true
        }
    }

    struct BrokenJob: Sendable, CustomStringConvertible {
        let what: String
        let yaml: String
        let code: JobError.Code
        let says: String
        var description: String { what }
    }

    static let brokenJobs: [BrokenJob] = [
        BrokenJob(what: "as_of on the valuation day", yaml: job().replacingOccurrences(of: "as_of: 2025-01-28", with: "as_of: 2025-02-20"),
                  code: .data, says: "is not known at valuation_time"),
        BrokenJob(what: "prices of a coin not in the market", yaml: job().replacingOccurrences(of: "ETH: ETH.csv", with: "SOL: ETH.csv"),
                  code: .data, says: "'SOL' is not in market.underlyings"),
        BrokenJob(what: "a price file that does not exist", yaml: job().replacingOccurrences(of: "ETH: ETH.csv", with: "ETH: nope.csv"),
                  code: .missingInput, says: "does not exist"),
        BrokenJob(what: "lambda with the sample method", yaml: job(calibration: "    method: sample\n    lambda: 0.9"),
                  code: .data, says: "applies to method: ewma only"),
        BrokenJob(what: "an unknown method", yaml: job(calibration: "    method: garch"), code: .data, says: "expected ewma or sample"),
        BrokenJob(what: "lookback too short", yaml: job().replacingOccurrences(of: "lookback_days: 100", with: "lookback_days: 5"),
                  code: .data, says: "from 20 to 10000"),
        BrokenJob(what: "fhs without calibration", yaml: """
            job: x
            valuation_time: 2025-02-20T08:00:00Z
            seed: 1
            scenarios: 1000
            horizon_days: 1
            confidence: 0.99
            model: { kind: fhs, lookback_days: 60 }
            market:
              underlyings:
                BTC: { spot: 97600, vol: 0.55 }
            accounts:
              - id: a
                positions: [{ instrument: BTC, quantity: 1 }]
            """, code: .data, says: "needs market.calibration"),
        BrokenJob(what: "fhs over half days", yaml: job(model: "{ kind: fhs, lookback_days: 60 }", horizon: "1.5"),
                  code: .data, says: "whole number"),
        BrokenJob(what: "fhs longer than the window", yaml: job(model: "{ kind: fhs, lookback_days: 200 }"),
                  code: .data, says: "longer than the calibration window"),
        BrokenJob(what: "fhs with a listed correlation", yaml: job(calibration: "  correlation: { factors: [BTC, ETH], matrix: [[1, 0.5], [0.5, 1]] }",
                                                                model: "{ kind: fhs, lookback_days: 60 }"),
                  code: .data, says: "remove market.correlation"),
        BrokenJob(what: "fhs keys on student_t", yaml: job(model: "{ kind: student_t, dof: 4, lookback_days: 60 }"),
                  code: .data, says: "does not apply to kind: student_t"),
        BrokenJob(what: "market and market_file together", yaml: job(extra: "market_file: market.yaml"),
                  code: .data, says: "not both"),
        BrokenJob(what: "a market file that does not exist", yaml: job(extra: "market_file: gone.yaml", market: ""),
                  code: .missingInput, says: "does not exist"),
        BrokenJob(what: "a tail cap out of range", yaml: job(model: "{ kind: student_t, dof: 4, tail_cap: 0.5 }"),
                  code: .data, says: "[1e-12, 0.01]"),
        BrokenJob(what: "an unknown collateral convention", yaml: job(extra: "margin: { collateral: hybrid }"),
                  code: .data, says: "expected portfolio or haircut"),
        // NaN, 1e308, negative and empty values of every key this model added.
        BrokenJob(what: "tail_cap NaN", yaml: job(model: "{ kind: student_t, dof: 4, tail_cap: nan }"), code: .data, says: "expected a number"),
        BrokenJob(what: "tail_cap 1e308", yaml: job(model: "{ kind: student_t, dof: 4, tail_cap: 1e308 }"), code: .data, says: "[1e-12, 0.01]"),
        BrokenJob(what: "tail_cap negative", yaml: job(model: "{ kind: student_t, dof: 4, tail_cap: -1e-6 }"), code: .data, says: "[1e-12, 0.01]"),
        BrokenJob(what: "tail_cap empty", yaml: job(model: "{ kind: student_t, dof: 4, tail_cap: }"), code: .data, says: "got nothing"),
        BrokenJob(what: "lookback_days NaN", yaml: job().replacingOccurrences(of: "lookback_days: 100", with: "lookback_days: nan"), code: .data, says: "expected a whole number"),
        BrokenJob(what: "lookback_days 1e308", yaml: job().replacingOccurrences(of: "lookback_days: 100", with: "lookback_days: 1e308"), code: .data, says: "expected a whole number"),
        BrokenJob(what: "lookback_days negative", yaml: job().replacingOccurrences(of: "lookback_days: 100", with: "lookback_days: -750"), code: .data, says: "from 20 to 10000"),
        BrokenJob(what: "lookback_days empty", yaml: job().replacingOccurrences(of: "lookback_days: 100", with: "lookback_days: "), code: .data, says: "got nothing"),
        BrokenJob(what: "lambda NaN", yaml: job(calibration: "    lambda: nan"), code: .data, says: "expected a number"),
        BrokenJob(what: "lambda 1e308", yaml: job(calibration: "    lambda: 1e308"), code: .data, says: "a decay in (0, 1)"),
        BrokenJob(what: "lambda negative", yaml: job(calibration: "    lambda: -0.94"), code: .data, says: "a decay in (0, 1)"),
        BrokenJob(what: "lambda one", yaml: job(calibration: "    lambda: 1"), code: .data, says: "a decay in (0, 1)"),
        BrokenJob(what: "lambda empty", yaml: job(calibration: "    lambda:"), code: .data, says: "got nothing"),
        BrokenJob(what: "fhs lambda NaN", yaml: job(model: "{ kind: fhs, lookback_days: 60, lambda: nan }"), code: .data, says: "expected a number"),
        BrokenJob(what: "fhs lookback negative", yaml: job(model: "{ kind: fhs, lookback_days: -60 }"), code: .data, says: "from 20 to 10000"),
        BrokenJob(what: "scenario_vol NaN", yaml: job().replacingOccurrences(of: "vol_of_vol: 1.2 }", with: "vol_of_vol: 1.2, scenario_vol: nan }"), code: .data, says: "expected a number"),
        BrokenJob(what: "scenario_vol 1e308", yaml: job().replacingOccurrences(of: "vol_of_vol: 1.2 }", with: "vol_of_vol: 1.2, scenario_vol: 1e308 }"), code: .data, says: "an annualised vol in (0, 20)"),
        BrokenJob(what: "scenario_vol negative", yaml: job().replacingOccurrences(of: "vol_of_vol: 1.2 }", with: "vol_of_vol: 1.2, scenario_vol: -0.5 }"), code: .data, says: "an annualised vol in (0, 20)"),
        BrokenJob(what: "scenario_vol empty", yaml: job().replacingOccurrences(of: "vol_of_vol: 1.2 }", with: "vol_of_vol: 1.2, scenario_vol:  }"), code: .data, says: "got nothing"),
        BrokenJob(what: "as_of empty", yaml: job().replacingOccurrences(of: "as_of: 2025-01-28", with: "as_of: "), code: .data, says: "expected a text value"),
        BrokenJob(what: "as_of not a date", yaml: job().replacingOccurrences(of: "as_of: 2025-01-28", with: "as_of: yesterday"), code: .data, says: "expected a date like"),
        BrokenJob(what: "as_of 1e308", yaml: job().replacingOccurrences(of: "as_of: 2025-01-28", with: "as_of: 1e308"), code: .data, says: "expected a date like"),
        BrokenJob(what: "method empty", yaml: job(calibration: "    method:"), code: .data, says: "expected a text value"),
        BrokenJob(what: "fill empty", yaml: job(calibration: "    fill:"), code: .data, says: "expected a text value"),
        BrokenJob(what: "data_dir empty", yaml: job(extra: "data_dir: \"\""), code: .data, says: "expected a text value"),
        BrokenJob(what: "market_file empty", yaml: job(extra: "market_file: \"\"", market: ""), code: .data, says: "expected a text value"),
        BrokenJob(what: "collateral convention empty", yaml: job(extra: "margin: { collateral: }"), code: .data, says: "expected a text value"),
    ]

    @Test(arguments: brokenJobs)
    func brokenCalibratedJobsAreRefused(_ broken: BrokenJob) throws {
        let folder = try Self.folder()
        defer { folder.remove() }
        let path = try folder.write("job.yaml", broken.yaml)
        #expect { try JobFile.load(path: path) } throws: { error in
            guard let error = error as? JobError else { return false }
            #expect(error.code == broken.code, "\(error)")
            #expect(error.description.contains(broken.says), "\(error)")
            return true
        }
    }
}
