import Foundation
import Synchronization
import TailGridProtocol

/// The live progress line of a job: chunks, speed, ETA, workers.
enum ProgressLine {
    /// `unit` names what computes: the coordinator's workers, or `run`'s threads.
    static func text(_ status: Tailgrid_V1_JobStatus, unit: String = "workers") -> String {
        var line = "\(status.jobID) \(state(status.state)): chunks \(status.chunksDone)/\(status.chunksTotal)"
        if status.scenariosPerSecond > 0 {
            line += String(format: ", %.0f scenarios/s", status.scenariosPerSecond)
        }
        if status.etaSeconds > 0 {
            line += String(format: ", ETA %.0f s", status.etaSeconds)
        }
        line += ", \(status.liveWorkers) \(unit)"
        if status.retriedChunks > 0 { line += ", \(status.retriedChunks) retried" }
        return line
    }

    static func state(_ state: Tailgrid_V1_JobStatus.State) -> String {
        switch state {
        case .queued: "queued"
        case .running: "running"
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .cancelled: "cancelled"
        default: "unknown"
        }
    }

    /// Rewrites one line on a terminal; prints a line per change otherwise (for logs).
    static func printer(quiet: Bool, unit: String = "workers") -> @Sendable (Tailgrid_V1_JobStatus) -> Void {
        let terminal = isatty(2) != 0
        let last = Mutex("")
        return { status in
            guard !quiet else { return }
            let text = text(status, unit: unit)
            guard last.withLock({ previous in
                defer { previous = text }
                return previous != text
            }) else { return }
            FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K" + text : text + "\n").utf8))
            if terminal && status.state.rawValue >= Tailgrid_V1_JobStatus.State.succeeded.rawValue {
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
    }

    /// `run --workers 0`'s progress as the same line `submit --wait` shows (threads in
    /// place of workers), on a terminal only: the engine reports chunks done, and the
    /// scenarios, speed and ETA follow from the plan's chunking.
    static func local(name: String, chunks: Int, chunkSize: Int, scenarios: Int, threads: Int) -> @Sendable (Int, Int) -> Void {
        let print = printer(quiet: false, unit: "threads")
        let started = ContinuousClock.now
        return { done, total in
            var status = Tailgrid_V1_JobStatus()
            status.jobID = name
            status.state = done >= total ? .succeeded : .running
            status.chunksDone = UInt32(clamping: done)
            status.chunksTotal = UInt32(clamping: total)
            let scenariosDone = min(scenarios, done * chunkSize)
            status.scenariosDone = UInt64(scenariosDone)
            status.scenariosTotal = UInt64(scenarios)
            let elapsed = started.duration(to: .now) / .seconds(1)
            if elapsed > 0 && scenariosDone > 0 {
                status.scenariosPerSecond = Double(scenariosDone) / elapsed
                if scenariosDone < scenarios { status.etaSeconds = Double(scenarios - scenariosDone) / status.scenariosPerSecond }
            }
            status.liveWorkers = UInt32(clamping: threads)
            print(status)
        }
    }
}
