import ArgumentParser
import TailGridJob

/// `tailgrid`: initial margin by Monte Carlo stress of whole books.
@main
struct TailGridCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tailgrid",
        abstract: "Initial margin by correlated Monte Carlo, full revaluation and VaR / ES per account.",
        discussion: """
            Exit codes: 0 success, 64 bad usage (or a weak token), 65 bad input data, 66 missing \
            input file or job, 69 coordinator unavailable, 70 internal error, 73 cannot create \
            output, 75 job failed, 76 protocol violation or version mismatch, 77 missing, wrong or \
            refused token, 79 job cancelled, 80 coordinator shut down while the job ran.
            """,
        version: EngineVersion.current,
        subcommands: [RunCommand.self, ValidateCommand.self, CoordinatorCommand.self, WorkerCommand.self,
                      SubmitCommand.self, StatusCommand.self]
    )
}
