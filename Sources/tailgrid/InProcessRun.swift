import Foundation
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
    /// result.json (in runs of accounts, `ResultJSONPieces`), report.html and accounts.csv
    /// are encoded at once, each a task that the first free thread takes, on threads of
    /// their own (`EngineThreads`: this runs in an async context, whose Dispatch pool may
    /// be held). On a book of 20,000 accounts result.json alone is a quarter of a second
    /// of one core: as one task it was the last to end, with the other core idle for the
    /// last 0.15 s of it.
    func write(folder: String, quiet: Bool) throws {
        let job = loaded.engineJob
        let cores = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
        let json = ResultJSONPieces(document: document, runs: 2 * cores)
        // result.json's tasks first (its runs, the most work, then its small shell), then
        // the report and the CSV.
        let report = json.taskCount
        let csv = report + 1
        let encoded = EngineThreads.map(csv + 1, threads: cores) { [document, explanation, loaded] task -> Result<Data, JobError> in
            Result { () throws(JobError) in
                switch task {
                case report: try Report.html(result: document, explanation: explanation)
                case csv: ResultWriter.csvData(document, labels: loaded.confidenceLabels)
                default: try json.encode(task: task)
                }
            }
        }
        guard encoded.count == csv + 1 else {
            throw CommandFailure.exit(JobError(.internal, "the result files were not encoded"))
        }
        let pieces = try json.pieces(encoded[..<report].map { try $0.get() })
        try ResultOutput.write(
            json: pieces, csv: try encoded[csv].get(), document: document, explanation: explanation,
            report: try encoded[report].get(), folder: folder, quiet: quiet,
            summary: String(format: "%d scenarios, %@-day horizon, %d chunks, %d threads, %.2f s",
                            job.scenarios, "\(job.horizonDays)", plan.chunks.chunkCount, threads, seconds))
    }
}
