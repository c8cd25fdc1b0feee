import ArgumentParser
import TailGridCluster

/// How long `wait` and `submit --wait` follow a job: in all, and while the coordinator is
/// unreachable (restarting).
struct FollowOptions: ParsableArguments {
    @Option(name: .long, help: "Seconds to wait in all (then exit 81 if the job has not ended); without it, as long as the job runs.")
    var timeout: Double?

    @Option(name: .long, help: "Seconds the coordinator may stay unreachable (it may be restarting) before waiting gives up.")
    var reconnectSeconds: Double = 300

    /// NaN, infinities, negatives and values beyond 1e7 s are refused (exit 64) before
    /// any Duration is made from them.
    func validate() throws {
        if let timeout, !(timeout > 0 && timeout.isFinite && timeout <= 1e7) { throw ValidationError("--timeout must be in (0, 1e7] seconds") }
        guard reconnectSeconds >= 0, reconnectSeconds.isFinite, reconnectSeconds <= 1e7 else {
            throw ValidationError("--reconnect-seconds must be in [0, 1e7]")
        }
    }

    var limits: ClusterClient.FollowLimits {
        ClusterClient.FollowLimits(timeout: timeout.map { .milliseconds(Int64($0 * 1000)) },
                                   reconnectFor: .milliseconds(Int64(reconnectSeconds * 1000)))
    }
}
