import ArgumentParser
import Foundation
import ServiceLifecycle
import TailGridCluster

/// `tailgrid coordinator`: serves jobs to workers until SIGTERM.
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run a coordinator: accept jobs, lease chunks to workers, merge their summaries.",
        discussion: "Prints 'listening on HOST:PORT' on standard output once ready (port 0 picks a free port)."
    )

    @Option(name: .long, help: "Address to listen on, HOST:PORT.")
    var listen: String = "127.0.0.1:7070"

    @Option(name: .long, help: "File holding the bearer token every client and worker must send. Required unless listening on loopback.")
    var tokenFile: String?

    @Option(name: .long, help: "Seconds without a heartbeat after which a worker's chunks are reassigned.")
    var leaseTimeout: Double = 10

    @Option(name: .long, help: "Attempts per chunk before its job fails.")
    var maxAttempts: Int = 3

    @Option(name: .long, help: "Largest job accepted, in scenarios.")
    var maxScenarios: Int = ClusterLimits().maxScenarios

    @Option(name: .long, help: "Largest job accepted, in accounts.")
    var maxAccounts: Int = ClusterLimits().maxAccounts

    @Option(name: .long, help: "Largest job accepted, in bytes of job file plus positions file.")
    var maxJobBytes: Int = ClusterLimits().maxJobBytes

    func validate() throws {
        guard let address = ClusterAddress(listen) else { throw ValidationError("--listen must be HOST:PORT, got '\(listen)'") }
        if !address.isLoopback && tokenFile == nil {
            throw ValidationError("listening on \(address) (not loopback) requires --token-file")
        }
        guard leaseTimeout > 0, maxAttempts >= 1 else { throw ValidationError("--lease-timeout must be positive and --max-attempts at least 1") }
    }

    func run() async throws {
        let address = ClusterAddress(listen)!
        let token = try tokenFile.map { try TokenFile.read($0) }
        let logger = Logs.logger("tailgrid.coordinator")
        var limits = ClusterLimits()
        limits.maxScenarios = maxScenarios
        limits.maxAccounts = maxAccounts
        limits.maxJobBytes = maxJobBytes
        let coordinator = Coordinator(
            configuration: CoordinatorConfiguration(limits: limits, leaseTimeout: .milliseconds(Int(leaseTimeout * 1000)),
                                                    maxAttempts: maxAttempts),
            logger: logger)
        let server = CoordinatorServer(coordinator: coordinator, host: address.host, port: address.port, token: token,
                                       logger: logger) { host, port in
            FileHandle.standardOutput.write(Data("listening on \(ClusterAddress(host: host, port: port))\n".utf8))
        }
        let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
