import ArgumentParser
import Foundation
import Metrics
import Prometheus
import ServiceLifecycle
import TailGridCluster
import TailGridJob
import TailGridJournal

/// `tailgrid coordinator`: serves jobs to workers until SIGTERM.
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run a coordinator: accept jobs, lease chunks to workers, merge their summaries.",
        discussion: """
            Prints 'listening on HOST:PORT' on standard output once ready (port 0 picks a free port). With --state DIR \
            every accepted job, chunk summary and result is journaled in DIR/journal.sqlite: a coordinator killed at any \
            moment and started again on DIR resumes every unfinished job without recomputing its finished chunks. \
            SIGTERM drains: NOT_SERVING at once, no new jobs, unfinished jobs run on for up to --drain-seconds; then \
            with --state the rest stay journaled (exit 0), without it they are interrupted (exit 80).
            """
    )

    @Option(name: .long, help: "Folder of the coordinator's journal (created if missing; one coordinator per folder). Without it, jobs live in memory only.")
    var state: String?

    @Option(name: .long, help: "Seconds SIGTERM lets queued and running jobs finish before the coordinator stops.")
    var drainSeconds: Double = 30

    @Option(name: .long, help: "Serve Prometheus metrics over HTTP on HOST:PORT at /metrics (no token: put it where only your monitoring reaches). Prints 'metrics on HOST:PORT'.")
    var metricsListen: String?

    @OptionGroup var logging: LogOptions

    @OptionGroup var tls: TLSOptions

    @Option(name: .long, help: "Address to listen on, HOST:PORT.")
    var listen: String = "127.0.0.1:7070"

    @Option(name: .long, help: "File holding the bearer token every client and worker must send (both roles); one token a line, two during a rotation. Required unless listening on loopback, or both role files or --tls-roles are given. Re-read on SIGHUP.")
    var tokenFile: String?

    @Option(name: .long, help: "File holding the token workers must send (the Work stream only). Re-read on SIGHUP.")
    var workerTokenFile: String?

    @Option(name: .long, help: "File holding the token clients must send (submit, status, result, cancel, list only). Re-read on SIGHUP.")
    var clientTokenFile: String?

    @Flag(name: .long, help: "With --tls-ca (mutual TLS): a client certificate whose subject has OU=tailgrid-worker or OU=tailgrid-client holds that role without a token.")
    var tlsRoles = false

    @Option(name: .long, help: "Share of delivered chunks recomputed by another worker and compared bit for bit, on top of each worker's first chunk of each job (0 turns audits off).")
    var auditFraction: Double = 0.02

    @Option(name: .long, help: "Finished jobs kept in memory for status and result calls.")
    var retainJobs: Int = 1000

    @Option(name: .long, help: "Seconds a finished job is kept in memory.")
    var retainSeconds: Double = 86_400

    @Option(name: .long, help: "MiB of result files (result.json, accounts.csv, explain files) finished jobs may hold in memory; the oldest beyond it are forgotten (never the newest, nor for 10 minutes one whose result a watcher has yet to fetch).")
    var retainMegabytes: Int = 2048

    @Option(name: .long, help: "Seconds without a heartbeat after which a worker's chunks are reassigned.")
    var leaseTimeout: Double = 10

    @Option(name: .long, help: "Attempts per chunk before its job fails.")
    var maxAttempts: Int = 3

    @Option(name: .long, help: "Largest job accepted, in scenarios.")
    var maxScenarios: Int = ClusterLimits().maxScenarios

    @Option(name: .long, help: "Largest job accepted, in accounts.")
    var maxAccounts: Int = ClusterLimits().maxAccounts

    @Option(name: .long, help: "Largest job file accepted, in bytes (YAML costs about 20 bytes of memory per byte to parse; large books belong in the positions file).")
    var maxJobBytes: Int = ClusterLimits().maxJobBytes

    @Option(name: .long, help: "Largest positions file accepted, in bytes.")
    var maxPositionsBytes: Int = ClusterLimits().maxPositionsBytes

    @Option(name: .long, help: "Largest total of a job's market and price files accepted, in bytes.")
    var maxInputBytes: Int = ClusterLimits().maxInputBytes

    func validate() throws {
        guard let address = ClusterAddress(listen) else { throw ValidationError("--listen must be HOST:PORT, got '\(listen)'") }
        let roles = workerTokenFile != nil && clientTokenFile != nil
        if tokenFile != nil && (workerTokenFile != nil || clientTokenFile != nil) {
            throw ValidationError("give either --token-file (one token for both roles) or --worker-token-file and --client-token-file")
        }
        if (workerTokenFile != nil) != (clientTokenFile != nil) {
            throw ValidationError("--worker-token-file and --client-token-file go together")
        }
        if tlsRoles && tls.tlsCA == nil {
            throw ValidationError("--tls-roles needs mutual TLS: --tls-ca, --tls-cert and --tls-key")
        }
        if !address.isLoopback && tokenFile == nil && !roles && !tlsRoles {
            throw ValidationError("listening on \(address) (not loopback) requires --token-file, --worker-token-file and --client-token-file, or --tls-roles")
        }
        guard leaseTimeout > 0, leaseTimeout.isFinite, leaseTimeout <= 86_400, maxAttempts >= 1, maxAttempts <= 100 else {
            throw ValidationError("--lease-timeout must be in (0, 86400] seconds and --max-attempts from 1 to 100")
        }
        guard auditFraction >= 0, auditFraction <= 1 else { throw ValidationError("--audit-fraction must be in [0, 1]") }
        guard retainJobs >= 0, retainSeconds >= 0, retainSeconds.isFinite, retainSeconds <= 1e8 else {
            throw ValidationError("--retain-jobs and --retain-seconds must not be negative")
        }
        guard retainMegabytes >= 0, retainMegabytes <= 1 << 30 else {
            throw ValidationError("--retain-megabytes must be from 0 to 1073741824")
        }
        guard drainSeconds >= 0, drainSeconds.isFinite, drainSeconds <= 86_400 else {
            throw ValidationError("--drain-seconds must be in [0, 86400]")
        }
        if let state, state.isEmpty { throw ValidationError("--state needs a folder") }
        if let metricsListen, ClusterAddress(metricsListen) == nil {
            throw ValidationError("--metrics-listen must be HOST:PORT, got '\(metricsListen)'")
        }
        guard maxScenarios > 0, maxAccounts > 0, maxJobBytes > 0, maxPositionsBytes >= 0, maxInputBytes >= 0 else {
            throw ValidationError("limits must be positive")
        }
    }

    func run() async throws {
        guard let address = ClusterAddress(listen) else { throw ValidationError("--listen must be HOST:PORT") }
        let tokens: ClusterTokens
        do { tokens = try readTokens() } catch { throw CommandFailure.exit(error) }
        let access = ClusterAccess(tokens: tokens, certificateRoles: tlsRoles)
        let logger = Logs.logger("tailgrid.coordinator", format: logging.logFormat)
        var limits = ClusterLimits()
        limits.maxScenarios = maxScenarios
        limits.maxAccounts = maxAccounts
        limits.maxJobBytes = maxJobBytes
        limits.maxPositionsBytes = maxPositionsBytes
        limits.maxInputBytes = maxInputBytes
        let tlsFiles = try tls.checked()
        if tlsFiles.ca != nil && tlsFiles.certificate == nil {
            throw ValidationError("a coordinator with --tls-ca needs --tls-cert and --tls-key too")
        }
        // Metrics are bootstrapped before the coordinator makes its counters.
        var metricsServer: MetricsServer?
        if let metricsListen, let metricsAddress = ClusterAddress(metricsListen) {
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            metricsServer = MetricsServer(host: metricsAddress.host, port: metricsAddress.port, registry: registry, logger: logger) { host, port in
                FileHandle.standardOutput.write(Data("metrics on \(ClusterAddress(host: host, port: port))\n".utf8))
            }
        }
        var journal: Journal?
        if let state {
            do { journal = try Journal(folder: state) } catch { throw Self.exit(error) }
        }
        var configuration = CoordinatorConfiguration(limits: limits, leaseTimeout: .milliseconds(Int(leaseTimeout * 1000)),
                                                     maxAttempts: maxAttempts, auditFraction: auditFraction,
                                                     retainJobs: retainJobs, retainTime: .milliseconds(Int(retainSeconds * 1000)))
        configuration.retainBytes = retainMegabytes << 20
        let coordinator = Coordinator(configuration: configuration, logger: logger, journal: journal)
        do { _ = try coordinator.resume() } catch { throw Self.exit(error) }
        let server = CoordinatorServer(coordinator: coordinator, host: address.host, port: address.port, access: access,
                                       drainTime: .milliseconds(Int(drainSeconds * 1000)), tls: tlsFiles, logger: logger) { host, port in
            FileHandle.standardOutput.write(Data("listening on \(ClusterAddress(host: host, port: port))\n".utf8))
        }
        // Graceful shutdown runs in reverse order: the coordinator drains first, while its
        // metrics are still served.
        let reload = TokenReloadService(access: access, logger: logger) { () throws(JobError) -> ClusterTokens in try readTokens() }
        let services: [any Service] = (metricsServer.map { [$0] } ?? []) + [reload, server]
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        let interrupted = coordinator.interruptedJobs
        if interrupted > 0 {
            FileHandle.standardError.write(Data("tailgrid: error: \(interrupted) jobs were interrupted by the shutdown (run the coordinator with --state to resume them instead)\n".utf8))
            throw ExitCode(80)
        }
    }

    /// The token files' tokens by role (none on an open loopback coordinator, or one
    /// admitting by certificate roles only).
    func readTokens() throws(JobError) -> ClusterTokens {
        if let tokenFile {
            let shared = try TokenFile.readForServing(tokenFile)
            return ClusterTokens(workers: shared, clients: shared)
        }
        if let workerTokenFile, let clientTokenFile {
            return ClusterTokens(workers: try TokenFile.readForServing(workerTokenFile),
                                 clients: try TokenFile.readForServing(clientTokenFile))
        }
        return ClusterTokens(shared: nil)
    }

    /// A state folder that cannot be used: exit 73, saying why.
    static func exit(_ error: JournalError) -> ExitCode {
        FileHandle.standardError.write(Data("tailgrid: error: --state: \(error.message)\n".utf8))
        return ExitCode(73)
    }
}
