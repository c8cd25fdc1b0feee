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

    @Option(name: .long, help: "Folder of the price files a calibration names (default: the job's data_dir, else the folder of the file naming them).")
    var dataDir: String?

    func run() throws {
        do {
            let loaded = try JobFile.load(path: job, dataDirectory: dataDir)
            let plan: EnginePlan
            do {
                plan = try EnginePlan(loaded.engineJob)
            } catch {
                throw JobError(error, file: job)
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
