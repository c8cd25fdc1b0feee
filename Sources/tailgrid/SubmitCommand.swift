import ArgumentParser
import Foundation
import TailGridCluster
import TailGridJob
import TailGridProtocol

/// `tailgrid submit JOB`: sends a job to a coordinator.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a job to a coordinator and print its id; with --wait, follow it and write its result files."
    )

    @Argument(help: "The YAML job file.")
    var job: String

    @Option(name: .long, help: "Folder of the price files a calibration names (default: the job's data_dir, else the folder of the file naming them).")
    var dataDir: String?

    @OptionGroup var cluster: ClusterOptions

    @Flag(name: .long, help: "Wait for the job: print progress, then write the result files as `run` does.")
    var wait = false

    @Option(name: .long, help: "Output folder with --wait (default: tailgrid-out/<job name>).")
    var out: String?

    @Option(name: .long, help: "Higher runs first; equal priorities run in submission order.")
    var priority: Int = 0

    @Option(name: .long, help: "Submitting again with this key returns the job the coordinator has with it (queued, running or succeeded) instead of a new one. Default: the SHA-256 of the job's input files.")
    var idempotencyKey: String?

    @Flag(name: .long, help: "Always a new job, even when the coordinator has one of the same input (or key).")
    var forceNew = false

    @Flag(name: .long, help: "No progress line and no table.")
    var quiet = false

    @Flag(name: .long, help: "Explain every account's ES too: once the merge is complete the workers replay each chunk's tail scenarios; the result gains explain.json and contributions.csv.")
    var explain = false

    /// With --wait.
    @OptionGroup var follow: FollowOptions

    func validate() throws {
        if forceNew && idempotencyKey != nil { throw ValidationError("--force-new and --idempotency-key exclude each other") }
        if let idempotencyKey {
            do { try Coordinator.checkIdempotencyKey(idempotencyKey) } catch { throw ValidationError("--idempotency-key: \(error.message)") }
            if idempotencyKey.isEmpty { throw ValidationError("--idempotency-key needs a key (or use --force-new)") }
        }
    }

    func run() async throws {
        let loaded: LoadedJob
        do {
            loaded = try JobFile.load(path: job, dataDirectory: dataDir)
        } catch {
            throw CommandFailure.exit(error)
        }
        let client = try cluster.client()
        let priority = self.priority
        // The same input explained or not is two jobs (the default key says which).
        let explain = self.explain
        let key = forceNew ? "" : idempotencyKey ?? "sha256:" + loaded.inputSHA256 + (explain ? ":explain" : "")
        let submitted: Tailgrid_V1_JobStatus
        do {
            submitted = try await client.withConnection {
                try await $0.submit(loaded, priority: priority, idempotencyKey: key, explain: explain)
            }
        } catch {
            throw CommandFailure.exit(error)
        }
        FileHandle.standardOutput.write(Data("\(submitted.jobID)\n".utf8))
        guard wait else { return }
        // Watched like `tailgrid wait`: across coordinator restarts.
        try await WaitCommand.wait(for: submitted.jobID, client: client, limits: follow.limits, out: out, quiet: quiet, accepted: true,
                                   defaultOut: "tailgrid-out/\(loaded.engineJob.name)")
    }
}
