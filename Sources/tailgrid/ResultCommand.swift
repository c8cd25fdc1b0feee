import ArgumentParser
import Foundation
import TailGridCluster
import TailGridJob
import TailGridProtocol

/// `tailgrid result JOB_ID --out DIR`: a finished job's result files.
struct ResultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "result",
        abstract: "Write a succeeded job's result.json and accounts.csv into a folder.",
        discussion: "Exit 0 written, 81 not finished yet, 75 failed, 79 cancelled, 80 interrupted, 66 no such job, 73 the folder cannot be written."
    )

    @Argument(help: "The job id that submit printed.")
    var jobID: String

    @OptionGroup var cluster: ClusterOptions

    @Option(name: .long, help: "Folder for result.json and accounts.csv (replaced whole).")
    var out: String

    @Flag(name: .long, help: "Print nothing but errors.")
    var quiet = false

    func run() async throws {
        let client = try cluster.client()
        let jobID = self.jobID
        // The status first: its state gives the exact exit code of a job without a result.
        let status = try await StatusCommand.fetch(jobID, client: client)
        switch status.state {
        case .succeeded:
            try await Self.fetch(jobID, client: client, out: out, quiet: quiet, summary: "from the cluster")
        case .queued, .running:
            FileHandle.standardError.write(Data("tailgrid: error: job \(jobID) is still \(ProgressLine.state(status.state)); wait for it with tailgrid wait \(jobID)\n".utf8))
            throw ExitCode(CommandFailure.unfinished)
        default:
            throw CommandFailure.exit(CommandFailure.outcome(status))
        }
    }

    static func fetch(_ id: String, client: ClusterClient, out: String, quiet: Bool, summary: String) async throws {
        let files: ResultFiles
        do {
            files = try await client.withConnection { try await $0.result(id) }
        } catch {
            throw CommandFailure.exit(error)
        }
        do {
            try ResultOutput.write(files, folder: out, quiet: quiet, summary: summary)
        } catch let error as JobError {
            throw CommandFailure.exit(error)
        }
    }
}
