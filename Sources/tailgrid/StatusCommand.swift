import ArgumentParser
import Foundation
import TailGridCluster
import TailGridProtocol

/// `tailgrid status JOB_ID`: a job's state as JSON, for schedulers, with an exit code a
/// poll loop can branch on.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print a job's status as JSON: every field of tailgrid.v1.JobStatus under its proto name, zeros included.",
        discussion: "Exit by the job's state: 0 succeeded, 81 queued or running, 75 failed, 79 cancelled, 80 interrupted; 66 no such job."
    )

    @Argument(help: "The job id that submit printed.")
    var jobID: String

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        let status = try await Self.fetch(jobID, client: try cluster.client())
        print(try Self.json(status))
        switch status.state {
        case .succeeded: return
        case .queued, .running: throw ExitCode(CommandFailure.unfinished)
        default: throw ExitCode(CommandFailure.code(CommandFailure.outcome(status).code))
        }
    }

    /// The job's status, or the exit of the error that prevented it (66 no such job, 69
    /// coordinator unreachable, ...).
    static func fetch(_ id: String, client: ClusterClient) async throws -> Tailgrid_V1_JobStatus {
        do {
            return try await client.withConnection { try await $0.status(id) }
        } catch {
            throw CommandFailure.exit(error)
        }
    }

    /// The status as one line of JSON, every field present (`StatusDocument`).
    static func json(_ status: Tailgrid_V1_JobStatus) throws -> String {
        try StatusDocument.json(status)
    }
}
