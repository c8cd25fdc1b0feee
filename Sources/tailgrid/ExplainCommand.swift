import ArgumentParser
import Foundation
import TailGridJob

/// `tailgrid explain JOB --account ID`: runs the job on this machine and explains the
/// accounts' ES by replaying their tail scenarios (`TailAttribution`).
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Which positions drive an account's margin: Euler ES contributions by replay of its tail scenarios.",
        discussion: """
            Runs the job on this machine (the same bits as `tailgrid run`), then evaluates again \
            exactly the account's k largest-loss scenarios (a scenario is a pure function of seed \
            and index) and reports each line's mean loss over them: contributions that add up to ES. \
            Also per underlying, per risk factor (waterfall spot, implied vol, basis, skew) and the \
            worst scenarios with their moves. Writes result.json, accounts.csv, explain.json and \
            contributions.csv into --out.
            """
    )

    @Argument(help: "The YAML job file.")
    var job: String

    @Option(name: .long, help: "An account to explain (repeatable).")
    var account: [String] = []

    @Option(name: .long, help: "Folder of the price files a calibration names (default: the job's data_dir, else the folder of the file naming them).")
    var dataDir: String?

    @Option(name: .long, help: "Output folder (default: tailgrid-out/<job name>-explain).")
    var out: String?

    @Option(name: .long, help: "Threads (default: one per core).")
    var threads: Int?

    @Flag(name: .long, help: "Print no table, only errors.")
    var quiet = false

    func validate() throws {
        if account.isEmpty { throw ValidationError("name at least one --account") }
        if account.contains(where: \.isEmpty) { throw ValidationError("--account must not be empty") }
        if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads must be from 1 to 1024") }
    }

    func run() async throws {
        do {
            let loaded = try JobFile.load(path: job, dataDirectory: dataDir)
            let ids = loaded.engineJob.accounts.map(\.id)
            let positions = Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            var indices: [Int] = []
            var named: Set<String> = []
            for id in account where named.insert(id).inserted {
                guard let index = positions[id] else {
                    let known = ids.prefix(5).joined(separator: ", ") + (ids.count > 5 ? ", ..." : "")
                    throw JobError(.usage, file: job, field: "--account",
                                   "no account '\(id.prefix(80))' in the job (accounts: \(known))")
                }
                indices.append(index)
            }
            let run = try InProcessRun(loaded, file: job, threads: threads, quiet: quiet, explaining: indices)
            try run.write(folder: out ?? "tailgrid-out/\(loaded.engineJob.name)-explain", quiet: quiet)
        } catch let error as JobError {
            throw CommandFailure.exit(error)
        }
    }
}
