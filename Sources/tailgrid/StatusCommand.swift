import ArgumentParser
import Foundation
import SwiftProtobuf
import TailGridCluster

/// `tailgrid status JOB_ID`: a job's state as JSON, for schedulers.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print a job's status as JSON (tailgrid.v1.JobStatus with proto field names)."
    )

    @Argument(help: "The job id that submit printed.")
    var jobID: String

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        let client = ClusterClient(address: try cluster.address(), token: try cluster.token())
        let jobID = self.jobID
        do {
            let status = try await client.withConnection { try await $0.status(jobID) }
            var options = JSONEncodingOptions()
            options.preserveProtoFieldNames = true
            options.alwaysPrintEnumsAsInts = false
            // Counts as JSON numbers (they stay far below 2^53), not proto3's strings.
            options.alwaysPrintInt64sAsNumbers = true
            print(try status.jsonString(options: options))
        } catch let error as ClusterError {
            throw CommandFailure.exit(error)
        }
    }
}
