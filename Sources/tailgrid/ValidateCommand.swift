import ArgumentParser
import Foundation
import TailGridEngine
import TailGridJob

/// `tailgrid validate JOB`: checks a job completely without running it.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a job file (and its positions file) without running it; writes nothing."
    )

    @Argument(help: "The YAML job file.")
    var job: String

    func run() throws {
        do {
            let loaded = try JobFile.load(path: job)
            let plan: EnginePlan
            do {
                plan = try EnginePlan(loaded.engineJob)
            } catch {
                throw CommandFailure.jobError(error, file: job)
            }
            let engineJob = loaded.engineJob
            var summary = "\(job): ok: job '\(engineJob.name)', \(engineJob.accounts.count) accounts, "
            summary += "\(plan.evaluator.instruments.count) instruments, \(plan.factors.count) factors, "
            summary += "\(engineJob.scenarios) scenarios in \(plan.chunks.chunkCount) chunks"
            if let distance = engineJob.correlation?.repairDistance, distance > 0 {
                summary += "; correlation repaired (Frobenius distance \(distance))"
            }
            print(summary)
        } catch let error as JobError {
            throw CommandFailure.exit(error)
        }
    }
}
