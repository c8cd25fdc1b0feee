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
    /// result.json with accounts.csv and report.html are encoded on two threads: on a
    /// large book each takes a noticeable part of a second.
    func write(folder: String, quiet: Bool) throws {
        let job = loaded.engineJob
        let outputs = Mutex<(files: Result<(json: Data, csv: Data), JobError>?, report: Result<Data, JobError>?)>((nil, nil))
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            if part == 0 {
                let files = Result { () throws(JobError) in
                    (json: try ResultWriter.jsonData(document), csv: ResultWriter.csvData(document, labels: loaded.confidenceLabels))
                }
                outputs.withLock { $0.files = files }
            } else {
                let report = Result { () throws(JobError) in try Report.html(result: document, explanation: explanation) }
                outputs.withLock { $0.report = report }
            }
        }
        let (files, report) = outputs.withLock { ($0.files, $0.report) }
        guard let files, let report else { throw CommandFailure.exit(JobError(.internal, "the result files were not encoded")) }
        let (json, csv) = try files.get()
        try ResultOutput.write(
            json: json, csv: csv, document: document, explanation: explanation, report: try report.get(),
            folder: folder, quiet: quiet,
            summary: String(format: "%d scenarios, %@-day horizon, %d chunks, %d threads, %.2f s",
                            job.scenarios, "\(job.horizonDays)", plan.chunks.chunkCount, threads, seconds))
    }
}
