import ArgumentParser
import Foundation
import TailGridCluster
import TailGridEngine
import TailGridJob

/// `tailgrid run JOB`: runs a job on this machine and writes its result files.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a job on this machine: print the margin table and write result.json and accounts.csv."
    )

    @Argument(help: "The YAML job file.")
    var job: String

    @Option(name: .long, help: "Folder of the price files a calibration names (default: the job's data_dir, else the folder of the file naming them).")
    var dataDir: String?

    @Option(name: .long, help: "Output folder (default: tailgrid-out/<job name>).")
    var out: String?

    @Option(name: .long, help: "Threads computing chunks (default: one per core); with --workers, threads per worker (default 1).")
    var threads: Int?

    @Option(name: .long, help: "Worker processes on this machine, connected over TCP to a coordinator in this process (0: compute in this process).")
    var workers: Int = 0

    @Flag(name: .long, help: "With --workers: show the coordinator's and workers' logs.")
    var verbose = false

    @Flag(name: .long, help: "Print no table, only errors.")
    var quiet = false

    func validate() throws {
        if let threads, threads < 1 || threads > 1024 {
            throw ValidationError("--threads must be from 1 to 1024")
        }
        if workers < 0 || workers > 256 {
            throw ValidationError("--workers must be from 0 to 256")
        }
    }

    @Sendable static func printProgress(done: Int, total: Int) {
        FileHandle.standardError.write(Data("\rchunks \(done)/\(total)".utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    func run() async throws {
        do {
            let loaded = try JobFile.load(path: job, dataDirectory: dataDir)
            if workers > 0 {
                try await runOnLocalCluster(loaded)
                return
            }
            let plan: EnginePlan
            do {
                plan = try EnginePlan(loaded.engineJob)
            } catch {
                throw CommandFailure.jobError(error, file: job)
            }
            let runner = LocalRunner(plan: plan, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
            let started = ContinuousClock.now
            let showProgress = !quiet && isatty(2) != 0
            let progress: (@Sendable (Int, Int) -> Void)? = showProgress ? Self.printProgress : nil
            let result: EngineResult
            do {
                result = try runner.run(progress: progress)
            } catch {
                throw CommandFailure.jobError(error, file: job)
            }
            let seconds = started.duration(to: .now) / .seconds(1)
            let document = ResultDocument(job: loaded, result: result, elapsedSeconds: seconds)
            try ResultOutput.write(
                json: try ResultWriter.jsonData(document),
                csv: ResultWriter.csvData(document, labels: loaded.confidenceLabels),
                document: document, folder: out ?? "tailgrid-out/\(loaded.engineJob.name)", quiet: quiet,
                summary: String(format: "%d scenarios, %@-day horizon, %d chunks, %d threads, %.2f s",
                                loaded.engineJob.scenarios, "\(loaded.engineJob.horizonDays)", plan.chunks.chunkCount,
                                runner.threads, seconds))
        } catch let error as JobError {
            throw CommandFailure.exit(error)
        }
    }

    func runOnLocalCluster(_ loaded: LoadedJob) async throws {
        let cluster = LocalCluster(workers: workers, threadsPerWorker: threads ?? 1, verbose: verbose)
        do {
            let files = try await cluster.run(loaded, quiet: quiet)
            try ResultOutput.write(json: files.json, csv: files.csv, folder: out ?? "tailgrid-out/\(loaded.engineJob.name)",
                                   quiet: quiet,
                                   summary: String(format: "%d scenarios, %d worker processes, %.2f s", loaded.engineJob.scenarios,
                                                   workers, files.elapsed))
        } catch let error as ClusterError {
            throw CommandFailure.exit(error)
        }
    }
}
