import ArgumentParser
import Foundation
import TailGridCluster
import TailGridJob
import TailGridProtocol

/// `tailgrid wait JOB_ID`: blocks until a job ends, across coordinator restarts, and exits
/// by its outcome (a scheduler's sensor).
struct WaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait for a job to end, reconnecting when the coordinator restarts; exit by its outcome.",
        discussion: "Exit 0 when it succeeded (with --out, its result files are written), 75 failed, 79 cancelled, 80 interrupted, 81 still queued or running at --timeout; 66 no such job, 69 coordinator unreachable for --reconnect-seconds."
    )

    @Argument(help: "The job id that submit printed.")
    var jobID: String

    @OptionGroup var cluster: ClusterOptions

    @OptionGroup var follow: FollowOptions

    @Option(name: .long, help: "Write result.json and accounts.csv here once the job succeeded.")
    var out: String?

    @Flag(name: .long, help: "No progress line on standard error.")
    var quiet = false

    func run() async throws {
        let client = try cluster.client()
        try await Self.wait(for: jobID, client: client, limits: follow.limits, out: out, quiet: quiet, accepted: false)
    }

    /// Follows the job to its end; writes its result to `out` when it succeeded; throws
    /// the exit code of any other outcome. Shared with `submit --wait`.
    static func wait(for id: String, client: ClusterClient, limits: ClusterClient.FollowLimits, out: String?, quiet: Bool,
                     accepted: Bool, defaultOut: String? = nil) async throws {
        let final: Tailgrid_V1_JobStatus
        do {
            final = try await client.follow(id, limits: limits, accepted: accepted, onStatus: ProgressLine.printer(quiet: quiet))
        } catch {
            throw CommandFailure.exit(error)
        }
        guard final.state == .succeeded else {
            if final.state == .queued || final.state == .running {
                FileHandle.standardError.write(Data("tailgrid: job \(id) is still \(ProgressLine.state(final.state)) at the timeout\n".utf8))
                throw ExitCode(CommandFailure.unfinished)
            }
            throw CommandFailure.exit(CommandFailure.outcome(final))
        }
        guard let folder = out ?? defaultOut else { return }
        try await ResultCommand.fetch(id, client: client, out: folder, quiet: quiet,
                                      summary: String(format: "%.2f s on the cluster", final.elapsedSeconds))
    }
}
