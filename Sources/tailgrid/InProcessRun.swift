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
    /// result.json and accounts.csv (`ResultWriter.files`, two threads) and report.html
    /// are encoded at once on threads of their own (`EngineThreads`: this runs in an async
    /// context, whose Dispatch pool may be held): on a large book each takes a
    /// noticeable part of a second (the CSV 0.1 s after the JSON's 0.5 s on one thread,
    /// while the report was done).
    func write(folder: String, quiet: Bool) throws {
        let job = loaded.engineJob
        enum Encoded: Sendable {
            case files(Result<(json: Data, csv: Data), JobError>)
            case report(Result<Data, JobError>)
        }
        let encoded = EngineThreads.map(2, threads: 2) { [document, explanation, loaded] part -> Encoded in
            part == 0
                ? .files(Result { () throws(JobError) in try ResultWriter.files(document, labels: loaded.confidenceLabels) })
                : .report(Result { () throws(JobError) in try Report.html(result: document, explanation: explanation) })
        }
        guard encoded.count == 2, case .files(let files) = encoded[0], case .report(let report) = encoded[1] else {
            throw CommandFailure.exit(JobError(.internal, "the result files were not encoded"))
        }
        let (json, csv) = try files.get()
        try ResultOutput.write(
            json: json, csv: csv, document: document, explanation: explanation, report: try report.get(),
            folder: folder, quiet: quiet,
            summary: String(format: "%d scenarios, %@-day horizon, %d chunks, %d threads, %.2f s",
                            job.scenarios, "\(job.horizonDays)", plan.chunks.chunkCount, threads, seconds))
    }
}
