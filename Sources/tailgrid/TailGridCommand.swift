import ArgumentParser
import Foundation
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
            refused token, 78 this CPU lacks the instructions the kernels were built for, 79 job \
            cancelled, 80 coordinator shut down while the job ran, 81 job not finished yet \
            (status, wait, result).
            """,
        version: EngineVersion.current,
        subcommands: [RunCommand.self, ExplainCommand.self, WhatIfCommand.self, BacktestCommand.self, ValidateCommand.self, CoordinatorCommand.self, WorkerCommand.self,
                      SubmitCommand.self, StatusCommand.self, WaitCommand.self, ResultCommand.self, CancelCommand.self, ListCommand.self, HealthCommand.self, SynthCommand.self,
                      ServeCommand.self]
    )

    /// Refuses, with exit 78, to start on a CPU the kernels were not built for (see
    /// `CPUSupport`), then parses and runs the command as ArgumentParser would.
    static func main() async {
        let missing = CPUSupport.missingFeatures()
        guard missing.isEmpty else {
            FileHandle.standardError.write(Data("""
                tailgrid: error: this binary's numeric kernels were built for x86-64 CPUs with \
                \(CPUSupport.haswellFeatures.joined(separator: ", ")); this CPU lacks \
                \(missing.joined(separator: ", ")). Rebuild with TAILGRID_TARGET_CPU=generic \
                (the same results, bit for bit, slower).

                """.utf8))
            Foundation.exit(78)
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
