import ArgumentParser
import Foundation
import TailGridCluster
import TailGridEngine
import TailGridJob

/// Prints an error the way every subcommand does and turns it into the documented exit code.
enum CommandFailure {
    static func exit(_ error: JobError) -> ExitCode {
        FileHandle.standardError.write(Data("tailgrid: error: \(error)\n".utf8))
        return ExitCode(error.exitCode)
    }

    /// Cluster errors, as the documented exit codes: 65 bad job, 66 no such job, 69
    /// coordinator unavailable, 75 job failed (retry may help), 76 protocol, 77 token.
    static func exit(_ error: ClusterError) -> ExitCode {
        FileHandle.standardError.write(Data("tailgrid: error: \(error)\n".utf8))
        let code: Int32 = switch error.code {
        case .invalidJob, .tooLarge: 65
        case .notFound: 66
        case .unavailable: 69
        case .noResult, .jobFailed: 75
        case .protocolMismatch, .protocolViolation: 76
        case .unauthenticated: 77
        }
        return ExitCode(code)
    }

    /// Engine errors found while preparing a job are the job's fault; later ones are ours.
    static func jobError(_ error: EngineError, file: String) -> JobError {
        switch error.code {
        case .invalidJob, .numerics:
            JobError(.data, file: file, error.message)
        case .nonFiniteLoss, .inconsistentSummary:
            JobError(.internal, file: file, error.message)
        }
    }
}
