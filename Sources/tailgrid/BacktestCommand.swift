import ArgumentParser
import Foundation
import TailGridBacktest
import TailGridCalibration
import TailGridCluster
import TailGridJob
import TailGridReport

/// `tailgrid backtest JOB --from DAY --to DAY [--step N]`: the job's book held through
/// history, its margin each day against the loss that followed (`BacktestRun`).
struct BacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Backtest the job's margin on history: VaR and ES each day against the realised loss, with coverage and ES tests.",
        discussion: """
            For each day d from --from to --to by --step, re-dates the job to d: its calibration \
            (and an fhs model's history) as of the close of d - 1, each underlying's spot at that \
            close, and the book rebased so every instrument keeps its time to expiry and \
            moneyness and every position its coin exposure. It computes the margin as 'run' \
            does (stress scenarios left out: the backtest tests the scenario model) and the \
            realised loss: the book revalued at the closes of d - 1 + horizon_days with implied \
            vols held. Per account it reports VaR exceptions with Kupiec's POF, Christoffersen's \
            independence and conditional coverage tests, the Basel traffic light, the \
            Acerbi-Szekely Z2 ES test and margin exceptions, and writes backtest.json and \
            backtest.csv into --out. The job needs market.calibration.prices for every \
            underlying, covering each day's lookback and horizon. With --step shorter than \
            horizon_days the horizons overlap and exceptions cluster.
            """
    )

    @Argument(help: "The YAML job file.")
    var job: String

    @Option(name: .long, help: "First valuation day, YYYY-MM-DD.")
    var from: String

    @Option(name: .long, help: "Last valuation day, YYYY-MM-DD.")
    var to: String

    @Option(name: .long, help: "Days between valuation days (default 1).")
    var step: Int = 1

    @Option(name: .long, help: "Scenarios per day (default: the job's).")
    var scenarios: Int?

    @Option(name: .long, help: "Folder of the price files a calibration names (default: the job's data_dir, else the folder of the file naming them).")
    var dataDir: String?

    @Option(name: .long, help: "Output folder (default: tailgrid-out/<job name>-backtest).")
    var out: String?

    @Option(name: .long, help: "Threads (default: one per core).")
    var threads: Int?

    @Flag(name: .long, help: "Print no table and no progress.")
    var quiet = false

    @Option(name: .long, help: "Compute the days on this coordinator's cluster, HOST:PORT: each day is a job of its own (default: in this process).")
    var coordinator: String?

    @Option(name: .long, help: "With --coordinator: file holding the cluster's bearer token.")
    var tokenFile: String?

    @OptionGroup var tls: TLSOptions

    func validate() throws {
        guard CalendarDay.day(from) != nil else { throw ValidationError("--from: expected a date like 2021-01-01, got '\(from.prefix(40))'") }
        guard CalendarDay.day(to) != nil else { throw ValidationError("--to: expected a date like 2024-12-31, got '\(to.prefix(40))'") }
        if step < 1 || step > 3_650 { throw ValidationError("--step must be from 1 to 3650 days") }
        if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads must be from 1 to 1024") }
        if coordinator == nil && tokenFile != nil { throw ValidationError("--token-file needs --coordinator") }
        if let coordinator, ClusterAddress(coordinator) == nil {
            throw ValidationError("--coordinator must be HOST:PORT, got '\(coordinator.prefix(80))'")
        }
    }

    func run() async throws {
        do {
            let first = CalendarDay.day(from) ?? 0
            let backtest: BacktestRun
            do {
                backtest = try BacktestRun(from: first, to: CalendarDay.day(to) ?? 0, step: step, scenarios: scenarios,
                                           threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
            } catch {
                throw JobError(.usage, file: job, error.message)
            }
            // Read at the first day: the price files need to cover the backtest's days, not
            // the written valuation time.
            let loaded = try JobFile.load(path: job, dataDirectory: dataDir, backtestDay: BacktestDay(day: first))
            let summary: BacktestSummary
            // A progress line on a terminal only (a log file would get a line a day).
            let progress = !quiet && isatty(2) != 0
            let report: (Int, Int) -> Void = { done, total in
                if progress { FileHandle.standardError.write(Data("\rbacktest: \(done)/\(total) days".utf8)) }
            }
            do {
                if let coordinator {
                    let client = try ClusterOptions.client(coordinator: coordinator, tokenFile: tokenFile, tls: tls)
                    do {
                        summary = try await ClusterBacktest(client: client, backtest: backtest).run(loaded, progress: report)
                    } catch let error as ClusterError {
                        throw CommandFailure.exit(error)
                    }
                } else {
                    summary = try backtest.run(loaded, progress: report)
                }
                if progress { FileHandle.standardError.write(Data("\n".utf8)) }
            } catch let error as BacktestError {
                throw error.jobError ?? JobError(.usage, file: job, error.message)
            }
            let document = BacktestDocument(job: loaded, run: backtest, summary: summary, step: step)
            let folder = out ?? "tailgrid-out/\(loaded.engineJob.name)-backtest"
            let json: Data
            do {
                json = try document.jsonData()
            } catch {
                throw JobError(.internal, file: job, "cannot encode backtest.json: \(error)")
            }
            try ResultWriter.write([("backtest.json", json), ("backtest.csv", document.csvData()),
                                    ("report.html", try BacktestReport.html(document))], into: folder)
            if !quiet {
                print(Self.table(document))
                print("wrote \(folder)/backtest.json, backtest.csv, report.html")
            }
        } catch let error as JobError {
            throw CommandFailure.exit(error)
        }
    }

    static func table(_ document: BacktestDocument) -> String {
        let header = ["account", "days", "exceptions", "expected", "Kupiec p", "Christoffersen p", "cond. cov. p",
                      "traffic light", "ES Z2", "margin exc."]
        let rows = document.accounts.map { account in
            [account.id, "\(account.days)", "\(account.varExceptions)", String(format: "%.2f", account.expectedExceptions),
             String(format: "%.3f", account.kupiec.pValue),
             account.christoffersen.map { String(format: "%.3f", $0.pValue) } ?? "-",
             account.conditionalCoverage.map { String(format: "%.3f", $0.pValue) } ?? "-",
             account.trafficLight,
             account.esBacktest.map { String(format: "%.2f (%@)", $0.z2, $0.zone) } ?? "-",
             "\(account.marginExceptions)"]
        }
        return (["backtest of \(document.job), \(document.from) to \(document.to) every \(document.step) d, VaR at \(document.confidence), horizon \(document.horizonDays) d"]
            + TextTable.lines([header] + rows, leftAligned: [0, 7])).joined(separator: "\n")
    }
}
