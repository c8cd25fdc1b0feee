import ArgumentParser
import Foundation
import TailGridCluster
import TailGridJob
import TailGridProtocol

/// `tailgrid submit JOB`: sends a job to a coordinator.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a job to a coordinator and print its id; with --wait, follow it and write its result files."
    )

    @Argument(help: "The YAML job file.")
    var job: String

    @Option(name: .long, help: "Folder of the price files a calibration names (default: the job's data_dir, else the folder of the file naming them).")
    var dataDir: String?

    @OptionGroup var cluster: ClusterOptions

    @Flag(name: .long, help: "Wait for the job: print progress, then write the result files as `run` does.")
    var wait = false

    @Option(name: .long, help: "Output folder with --wait (default: tailgrid-out/<job name>).")
    var out: String?

    @Option(name: .long, help: "Higher runs first; equal priorities run in submission order.")
    var priority: Int = 0

    @Flag(name: .long, help: "No progress line and no table.")
    var quiet = false

    func run() async throws {
        let loaded: LoadedJob
        do {
            loaded = try JobFile.load(path: job, dataDirectory: dataDir)
        } catch {
            throw CommandFailure.exit(error)
        }
        let client = ClusterClient(address: try cluster.address(), token: try cluster.token())
        let out = self.out
        let wait = self.wait
        let quiet = self.quiet
        let priority = self.priority
        let files: (json: Data, csv: Data, elapsed: Double)?
        do {
            files = try await client.withConnection { connection in
                let submitted = try await connection.submit(loaded, priority: priority)
                FileHandle.standardOutput.write(Data("\(submitted.jobID)\n".utf8))
                guard wait else { return nil }
                let final = try await connection.watch(submitted.jobID, accepted: true, onStatus: ProgressLine.printer(quiet: quiet))
                guard final.state == .succeeded else { throw CommandFailure.outcome(final) }
                let result = try await connection.result(submitted.jobID)
                return (result.json, result.csv, final.elapsedSeconds)
            }
        } catch {
            throw CommandFailure.exit(error)
        }
        guard let files else { return }
        do {
            try ResultOutput.write(json: files.json, csv: files.csv, folder: out ?? "tailgrid-out/\(loaded.engineJob.name)",
                                   quiet: quiet, summary: String(format: "%.2f s on the cluster", files.elapsed))
        } catch let error as JobError {
            throw CommandFailure.exit(error)
        }
    }
}
