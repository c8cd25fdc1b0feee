import ArgumentParser
import Foundation
import TailGridEngine
import TailGridJob

/// Prints an error the way every subcommand does and turns it into the documented exit code.
enum CommandFailure {
    static func exit(_ error: JobError) -> ExitCode {
        FileHandle.standardError.write(Data("tailgrid: error: \(error)\n".utf8))
        return ExitCode(error.exitCode)
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
