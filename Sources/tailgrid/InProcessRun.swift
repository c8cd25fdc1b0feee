import Foundation
import Synchronization
import TailGridEngine
import TailGridJob
import TailGridReport

/// A job computed in this process (`run`, `explain`): the plan, the result document and,
/// when asked, the explanation of some accounts.
struct InProcessRun {
    let loaded: LoadedJob
    let plan: EnginePlan
    let threads: Int
    let document: ResultDocument
    let explanation: ExplanationDocument?
    let seconds: Double

    /// Plans and runs `loaded`; `explaining` lists account indices to explain (nil: none).
    init(_ loaded: LoadedJob, file: String, threads: Int?, quiet: Bool, explaining: [Int]?) throws(JobError) {
        self.loaded = loaded
        do {
            plan = try EnginePlan(loaded.engineJob)
        } catch {
            throw JobError(error, file: file)
        }
        let runner = LocalRunner(plan: plan, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        self.threads = runner.threads
        let started = ContinuousClock.now
        // The live line only on a terminal: logs and pipes get the table alone.
        let progress: (@Sendable (Int, Int) -> Void)? = !quiet && isatty(2) != 0
            ? ProgressLine.local(name: loaded.engineJob.name, chunks: plan.chunks.chunkCount, chunkSize: plan.chunks.chunkSize,
                                 scenarios: loaded.engineJob.scenarios, threads: runner.threads)
            : nil
        let result: EngineResult
        var explanations: [AccountExplanation]?
        do {
            if let explaining {
                (result, explanations) = try runner.run(explaining: explaining, progress: progress)
            } else {
                result = try runner.run(progress: progress)
            }
        } catch {
            throw JobError(error, file: file)
        }
        seconds = started.duration(to: .now) / .seconds(1)
        document = ResultDocument(job: loaded, result: result, elapsedSeconds: seconds)
        explanation = explanations.map { [plan] in ExplanationDocument(plan: plan, explanations: $0, risks: result.accounts) }
    }

    /// Writes the result folder and prints the tables.
    /// result.json, report.html and accounts.csv are encoded as three tasks on the cores
    /// there are (result.json first, the longest): on a large book each takes a
    /// noticeable part of a second (the CSV 0.1 s after the JSON's 0.5 s on one thread,
    /// while the report was done).
    func write(folder: String, quiet: Bool) throws {
        let job = loaded.engineJob
        let outputs = Mutex<(json: Result<Data, JobError>?, csv: Data?, report: Result<Data, JobError>?)>((nil, nil, nil))
        // Threads of their own (`EngineThreads`): this runs in an async context, whose
        // Dispatch pool `concurrentPerform` may find held, and then runs all three in turn.
        _ = EngineThreads.map(3, threads: 3) { part in
            switch part {
            case 0:
                let json = Result { () throws(JobError) in try ResultWriter.jsonData(document) }
                outputs.withLock { $0.json = json }
            case 1:
                let report = Result { () throws(JobError) in try Report.html(result: document, explanation: explanation) }
                outputs.withLock { $0.report = report }
            default:
                let csv = ResultWriter.csvData(document, labels: loaded.confidenceLabels)
                outputs.withLock { $0.csv = csv }
            }
        }
        let (jsonResult, csvData, report) = outputs.withLock { ($0.json, $0.csv, $0.report) }
        guard let jsonResult, let csvData, let report else {
            throw CommandFailure.exit(JobError(.internal, "the result files were not encoded"))
        }
        try ResultOutput.write(
            json: try jsonResult.get(), csv: csvData, document: document, explanation: explanation, report: try report.get(),
            folder: folder, quiet: quiet,
            summary: String(format: "%d scenarios, %@-day horizon, %d chunks, %d threads, %.2f s",
                            job.scenarios, "\(job.horizonDays)", plan.chunks.chunkCount, threads, seconds))
    }
}
