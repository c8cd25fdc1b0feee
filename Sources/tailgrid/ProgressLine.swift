import Foundation
import Synchronization
import TailGridProtocol

/// The live progress line of a job: chunks, speed, ETA, workers.
enum ProgressLine {
    static func text(_ status: Tailgrid_V1_JobStatus) -> String {
        var line = "\(status.jobID) \(state(status.state)): chunks \(status.chunksDone)/\(status.chunksTotal)"
        if status.scenariosPerSecond > 0 {
            line += String(format: ", %.0f scenarios/s", status.scenariosPerSecond)
        }
        if status.etaSeconds > 0 {
            line += String(format: ", ETA %.0f s", status.etaSeconds)
        }
        line += ", \(status.liveWorkers) workers"
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
    static func printer(quiet: Bool) -> @Sendable (Tailgrid_V1_JobStatus) -> Void {
        let terminal = isatty(2) != 0
        let last = Mutex("")
        return { status in
            guard !quiet else { return }
            let text = text(status)
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
}
