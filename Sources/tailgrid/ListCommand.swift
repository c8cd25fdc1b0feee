import ArgumentParser
import Foundation
import TailGridCluster
import TailGridProtocol

/// `tailgrid list`: the coordinator's jobs, newest first, as a table or JSON.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the coordinator's jobs, newest first: queued, running, and the finished ones it retains.",
        discussion: """
            --json prints {"jobs": [...], "truncated": false}, each job as `status` prints it (every field present). \
            An interrupted job is listed as failed with "interrupted": true. Exit 0, 69 coordinator unreachable, 77 refused.
            """
    )

    /// The states a user may filter on, by their lower-case names.
    enum StateName: String, ExpressibleByArgument, CaseIterable {
        case queued, running, succeeded, failed, cancelled

        var state: Tailgrid_V1_JobStatus.State {
            switch self {
            case .queued: .queued
            case .running: .running
            case .succeeded: .succeeded
            case .failed: .failed
            case .cancelled: .cancelled
            }
        }
    }

    @Option(name: .long, help: "Only jobs in this state (repeat for several): queued, running, succeeded, failed, cancelled.")
    var state: [StateName] = []

    @Option(name: .long, help: "At most this many jobs (1 to 10000).")
    var limit: Int = Coordinator.maxListedJobs

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var cluster: ClusterOptions

    func validate() throws {
        guard (1...Coordinator.maxListedJobs).contains(limit) else {
            throw ValidationError("--limit must be from 1 to \(Coordinator.maxListedJobs)")
        }
    }

    struct Listing: Encodable {
        let jobs: [StatusDocument]
        let truncated: Bool
    }

    func run() async throws {
        let client = try cluster.client()
        let states = Array(Set(state.map(\.state)))
        let limit = self.limit
        let listed = try await Self.fetch(client: client, states: states, limit: limit)
        if json {
            print(try StatusDocument.json(of: Listing(jobs: listed.jobs.map(StatusDocument.init), truncated: listed.truncated)))
            return
        }
        let header = ["JOB", "NAME", "STATE", "PRIORITY", "CHUNKS", "SUBMITTED (UTC)", "ELAPSED"]
        let rows = listed.jobs.map { status -> [String] in
            let submitted = status.submittedUnixSeconds.isFinite && status.submittedUnixSeconds > 0
                ? Date(timeIntervalSince1970: status.submittedUnixSeconds).formatted(.iso8601) : "-"
            let state = status.interrupted ? "interrupted" : StatusDocument.name(status.state).lowercased()
            return [Self.printable(status.jobID), Self.printable(status.jobName), state, "\(status.priority)",
                    "\(status.chunksDone)/\(status.chunksTotal)", submitted,
                    String(format: "%.1f s", StatusDocument.finite(status.elapsedSeconds))]
        }
        for line in TextTable.lines([header] + rows, leftAligned: [0, 1, 2, 5]) { print(line) }
        if listed.truncated {
            FileHandle.standardError.write(Data("tailgrid: more jobs matched than --limit \(limit); showing the newest \(listed.jobs.count)\n".utf8))
        }
    }

    static func fetch(client: ClusterClient, states: [Tailgrid_V1_JobStatus.State], limit: Int) async throws -> (jobs: [Tailgrid_V1_JobStatus], truncated: Bool) {
        do {
            return try await client.withConnection { try await $0.list(states: states, limit: limit) }
        } catch {
            throw CommandFailure.exit(error)
        }
    }

    /// A name from the coordinator, shown without control characters (a terminal must
    /// not take them as escape sequences) and at most 60 characters.
    static func printable(_ text: String) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
        return cleaned.count > 60 ? String(cleaned.prefix(59)) + "…" : cleaned
    }

}
