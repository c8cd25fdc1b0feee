import ArgumentParser
import Foundation
import TailGridCluster

/// `tailgrid cancel JOB_ID`: cancels a queued or running job.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a queued or running job; print its status as JSON.",
        discussion: "Exit 0 when the job is cancelled (or had already ended: its status says how), 66 no such job."
    )

    @Argument(help: "The job id that submit printed.")
    var jobID: String

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        let client = try cluster.client()
        let jobID = self.jobID
        do {
            let status = try await client.withConnection { try await $0.cancel(jobID) }
            print(try StatusCommand.json(status))
        } catch let error as ClusterError {
            throw CommandFailure.exit(error)
        }
    }
}
