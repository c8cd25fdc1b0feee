import ArgumentParser
import Foundation
import TailGridCluster
import TailGridEngine
import TailGridJob

/// `tailgrid run JOB`: runs a job on this machine and writes its result files.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a job on this machine: print the margin table and write result.json, accounts.csv and report.html."
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

    @Flag(name: .long, help: "Explain every account's ES: replay its tail scenarios and write explain.json and contributions.csv (Euler contributions per position, underlying and risk factor). With --workers the workers replay the chunks.")
    var explain = false

    func validate() throws {
        if let threads, threads < 1 || threads > 1024 {
            throw ValidationError("--threads must be from 1 to 1024")
        }
        if workers < 0 || workers > 256 {
            throw ValidationError("--workers must be from 0 to 256")
        }
    }

    func run() async throws {
        do {
            if workers > 0 {
                try await runOnLocalCluster()
                return
            }
            let loaded = try JobFile.load(path: job, dataDirectory: dataDir)
            let run = try InProcessRun(loaded, file: job, threads: threads, quiet: quiet,
                                       explaining: explain ? Array(loaded.engineJob.accounts.indices) : nil)
            try run.write(folder: out ?? "tailgrid-out/\(loaded.engineJob.name)", quiet: quiet)
        } catch let error as JobError {
            throw CommandFailure.exit(error)
        }
    }

    /// Loads the job while the local cluster's workers start.
    func runOnLocalCluster() async throws {
        let cluster = LocalCluster(workers: workers, threadsPerWorker: threads ?? 1, verbose: verbose)
        do {
            try await cluster.run(loading: { try JobFile.load(path: job, dataDirectory: dataDir) }, explain: explain,
                                  quiet: quiet) { loaded, files, document, elapsed in
                try ResultOutput.write(files, document: document, folder: out ?? "tailgrid-out/\(loaded.engineJob.name)",
                                       quiet: quiet, summary: String(format: "%d scenarios, %d worker processes, %.2f s",
                                                                     loaded.engineJob.scenarios, workers, elapsed))
            }
        } catch let error as ClusterError {
            throw CommandFailure.exit(error)
        }
    }
}
