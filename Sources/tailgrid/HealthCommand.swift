import ArgumentParser
import Foundation
import TailGridCluster

/// `tailgrid health`: whether a coordinator is up and accepting jobs, for scripts that
/// must not race its start (a Slurm batch, an init container).
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check that a coordinator is serving (accepting jobs), or a worker's --health-listen that it is joined; with --wait, wait until it is.",
        discussion: "Exit 0 serving, 69 not reachable or not serving (draining) when --wait ends or without it."
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(name: .long, help: "Seconds to keep trying (every 0.2 s) before giving up.")
    var wait: Double = 0

    func validate() throws {
        guard wait >= 0, wait.isFinite, wait <= 86_400 else { throw ValidationError("--wait must be in [0, 86400] seconds") }
    }

    func run() async throws {
        let client = try cluster.client()
        let deadline = ContinuousClock.now + .milliseconds(Int64(wait * 1000))
        var last = "not serving"
        while true {
            do throws(ClusterError) {
                if try await client.isServing() { return }
                last = "it is not serving (draining)"
            } catch {
                last = error.message
            }
            guard ContinuousClock.now < deadline else { break }
            try? await Task.sleep(for: .milliseconds(200))
        }
        FileHandle.standardError.write(Data("tailgrid: error: coordinator \(cluster.coordinator) is not ready: \(last)\n".utf8))
        throw ExitCode(69)
    }
}
