import Foundation
import TailGridBacktest
import TailGridCluster
import TailGridJob

/// `backtest --coordinator`: each day of the backtest is a job of its own on the cluster
/// (the job re-dated to the day, `BacktestRun.dayJob`, submitted with its variant), a
/// window of days at a time so a long daily backtest neither floods the queue nor outlives
/// the coordinator's retention of finished jobs. Each day's margins come back in its
/// result.json; the realised loss is revalued here, as in-process. The margins are the
/// bits `run` computes, so backtest.json is the in-process one.
struct ClusterBacktest {
    let client: ClusterClient
    let backtest: BacktestRun
    /// Days submitted before the first of them is read back.
    static let window = 64

    func run(_ job: LoadedJob, progress: (Int, Int) -> Void) async throws -> BacktestSummary {
        try backtest.checkSize(of: job)
        var results: [BacktestDayResult] = []
        results.reserveCapacity(backtest.days.count)
        for start in stride(from: 0, to: backtest.days.count, by: Self.window) {
            var submitted: [(job: LoadedJob, id: String)] = []
            for day in backtest.days[start..<min(backtest.days.count, start + Self.window)] {
                let dayJob = try backtest.dayJob(day, of: job)
                // The day's input (its SHA-256 names the day and scenario count) is its key:
                // a backtest run again picks up the days the coordinator has.
                let status = try await client.withConnection {
                    try await $0.submit(dayJob, idempotencyKey: "sha256:" + dayJob.inputSHA256)
                }
                submitted.append((dayJob, status.jobID))
            }
            for (dayJob, id) in submitted {
                let final = try await client.withConnection { try await $0.watch(id) { _ in } }
                guard final.state == .succeeded else { throw CommandFailure.outcome(final) }
                let files = try await client.withConnection { try await $0.result(id) }
                let document: ResultDocument
                do {
                    document = try JSONDecoder().decode(ResultDocument.self, from: files.json)
                } catch {
                    throw BacktestError("job \(id): its result.json does not read back: \(error)")
                }
                results.append(try backtest.dayResult(dayJob, margins: try BacktestRun.DayMargin.of(document, job: dayJob)))
                progress(results.count, backtest.days.count)
            }
        }
        return try BacktestSummary(job: job.engineJob, days: results)
    }
}
