import ArgumentParser
import Foundation
import TailGridCluster
import TailGridEngine
import TailGridJob
import TailGridProtocol

/// Prints an error the way every subcommand does and turns it into the documented exit code.
enum CommandFailure {
    static func exit(_ error: JobError) -> ExitCode {
        FileHandle.standardError.write(Data("tailgrid: error: \(error)\n".utf8))
        return ExitCode(error.exitCode)
    }

    /// Cluster errors, as the documented exit codes (README, "Exit codes"): 65 bad job,
    /// 66 no such job, 69 coordinator unavailable, 75 job failed, 76 protocol, 77 token or
    /// refused, 79 cancelled, 80 interrupted by a coordinator shutdown, 81 not finished.
    static func exit(_ error: ClusterError) -> ExitCode {
        FileHandle.standardError.write(Data("tailgrid: error: \(error)\n".utf8))
        return ExitCode(code(error.code))
    }

    /// A job still queued or running: `status` of an unfinished job, `wait` at its
    /// timeout, `result` before the end.
    static let unfinished: Int32 = 81

    static func code(_ code: ClusterError.Code) -> Int32 {
        switch code {
        case .invalidJob, .tooLarge: 65
        case .notFound: 66
        case .unavailable: 69
        case .noResult: unfinished
        case .jobFailed: 75
        case .protocolMismatch, .protocolViolation: 76
        case .unauthenticated, .refused: 77
        case .cancelled: 79
        case .interrupted: 80
        }
    }

    /// The error a job's last status means, when it did not succeed: never an empty message.
    static func outcome(_ status: Tailgrid_V1_JobStatus) -> ClusterError {
        let id = status.jobID
        let why = status.error.isEmpty ? "no reason was given" : status.error
        switch status.state {
        case .cancelled: return ClusterError(.cancelled, "job \(id) was cancelled: \(why)")
        case .failed where status.interrupted: return ClusterError(.interrupted, "job \(id) was interrupted: \(why)")
        case .failed: return ClusterError(.jobFailed, "job \(id) failed: \(why)")
        case .queued, .running:
            return ClusterError(.interrupted, "the coordinator went away while job \(id) was \(ProgressLine.state(status.state)); submit it again (the result will be the same)")
        default: return ClusterError(.jobFailed, "job \(id) ended in an unknown state: \(why)")
        }
    }
}
