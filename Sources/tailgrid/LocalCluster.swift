import Foundation
import Logging
import TailGridCluster
import TailGridJob

/// `tailgrid run --workers N`: a coordinator in this process on 127.0.0.1 (a free port)
/// and N worker processes of this same executable, connected over real TCP.
struct LocalCluster {
    let workers: Int
    let threadsPerWorker: Int
    let verbose: Bool

    /// Starts the cluster, loads the job with `load` while its worker processes start (a
    /// process's start and its connection take about as long as loading a 2,000-account
    /// book, on a core the loading leaves idle), runs it (explaining every account with
    /// `explain`) and hands `output` the job, its result files (with the result as a
    /// value, which the coordinator hands over rather than have it decoded back) and
    /// elapsed seconds. When `load` throws, the workers are stopped and its error is
    /// thrown: nothing is submitted.
    ///
    /// The workers are told to stop (SIGTERM) as soon as the job has ended, and waited
    /// for only after `output` returns: they leave while the result is written, where
    /// waiting first (polled every 20 ms) kept the cores idle for 10-20 ms at the end of
    /// every run.
    func run(loading load: () throws -> LoadedJob, explain: Bool = false, quiet: Bool,
             output: (_ job: LoadedJob, _ files: ResultFiles, _ document: ResultDocument?, _ elapsed: Double) throws -> Void)
        async throws {
        let logger = Logs.logger("tailgrid.coordinator", level: verbose ? .info : .warning)
        let (token, tokenPath) = try TokenFile.makeTemporary()
        defer { try? FileManager.default.removeItem(atPath: tokenPath) }
        // Its workers are this run's own child processes (the same binary, on this machine,
        // holding a token made for this run): an audit would recompute a chunk to compare
        // the same program with itself, so none are made. A coordinator others join audits.
        let coordinator = Coordinator(configuration: CoordinatorConfiguration(auditFraction: 0), logger: logger)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let server = CoordinatorServer(coordinator: coordinator, host: "127.0.0.1", port: 0, access: ClusterAccess(tokens: ClusterTokens(shared: token)), logger: logger) { _, port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let serving = Task { try await server.run() }
        defer { serving.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            throw CommandFailure.exit(ClusterError(.unavailable, "the local coordinator did not start"))
        }
        let processes = try (0..<workers).map { index in
            try spawnWorker(index: index, port: port, tokenPath: tokenPath)
        }
        let watched = WorkerProcesses(processes)
        defer { watched.stop(grace: Self.stopGrace) }
        let job = try load()
        let submitted = try coordinator.submit(job, explain: explain)
        // Nothing waits forever: if every worker process has exited, the job is cancelled
        // with a message saying so.
        let monitor = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                if let codes = watched.allExited() {
                    _ = try? coordinator.fail(job: submitted.jobID, reason: "all \(processes.count) worker processes exited (exit statuses \(codes))")
                    return
                }
            }
        }
        defer { monitor.cancel() }
        let printer = ProgressLine.printer(quiet: quiet)
        var final = submitted
        for await status in try coordinator.watch(job: submitted.jobID) {
            printer(status)
            final = status
        }
        // The job has ended: the monitor must not take the workers' exit for a failure.
        monitor.cancel()
        watched.terminate()
        guard final.state == .succeeded else { throw CommandFailure.outcome(final) }
        let (files, document) = try coordinator.resultWithDocument(job: submitted.jobID)
        if verbose {
            logger.warning("job \(final.jobID): \(final.summaryBytes) bytes of summaries against \(final.fullLossVectorBytes) bytes of full loss vectors; merging took \(String(format: "%.3f", final.mergeSeconds)) s")
        }
        try output(job, files, document, final.elapsedSeconds)
    }

    /// How long the workers have to leave after SIGTERM when the run ends: a worker
    /// draining mid-chunk finishes or hands back its lease (about a second for a chunk of
    /// the 20,000-account book); one still running after this is killed.
    static let stopGrace = Duration.seconds(30)

    /// A worker's environment: this process's, with OpenBLAS told to start no threads of
    /// its own. The engine computes on its chunk threads and calls BLAS single-threaded;
    /// a pthread OpenBLAS still starts a thread per core when it loads, and they spin
    /// (sched_yield) for about 0.1 s before they sleep: in every worker at once, on the
    /// cores the coordinator's pilot and the first chunks want.
    static func workerEnvironment(_ environment: [String: String]) -> [String: String] {
        var environment = environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        return environment
    }

    func spawnWorker(index: Int, port: Int, tokenPath: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["worker", "--coordinator", "127.0.0.1:\(port)", "--token-file", tokenPath,
                             "--threads", "\(threadsPerWorker)", "--name", "local-\(index)", "--exit-with-parent"]
        process.environment = Self.workerEnvironment(ProcessInfo.processInfo.environment)
        if !verbose {
            process.standardError = FileHandle.nullDevice
        }
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw CommandFailure.exit(ClusterError(.unavailable, "cannot start worker process: \(error)"))
        }
        return process
    }
}

/// The worker processes of a local cluster, watched from a task: Process is not Sendable,
/// but its running state and exit status may be read from any thread.
public final class WorkerProcesses: @unchecked Sendable {
    let processes: [Process]

    public init(_ processes: [Process]) {
        self.processes = processes
    }

    /// Sends SIGTERM to those still running and waits for them to exit; those still
    /// running after `grace` get SIGKILL. Returns when every one has exited, so no run
    /// waits on a worker that ignores SIGTERM, and none outlives it.
    public func stop(grace: Duration) {
        terminate()
        let deadline = ContinuousClock.now + grace
        while processes.contains(where: \.isRunning), ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for process in processes { process.waitUntilExit() }
    }

    /// Sends SIGTERM to those still running, without waiting for them.
    public func terminate() {
        for process in processes where process.isRunning { process.terminate() }
    }

    /// Their exit statuses once every one has exited, else nil.
    func allExited() -> String? {
        guard processes.allSatisfy({ !$0.isRunning }) else { return nil }
        return processes.map { "\($0.terminationStatus)" }.joined(separator: ", ")
    }
}
