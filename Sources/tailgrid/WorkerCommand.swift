import ArgumentParser
import Foundation
import ServiceLifecycle
import TailGridCluster

/// `tailgrid worker`: computes chunks for a coordinator until SIGTERM.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a worker: compute chunks for a coordinator; SIGTERM finishes or returns its chunks and exits 0."
    )

    @OptionGroup var cluster: ClusterOptions

    @Option(name: .long, help: "Chunks computed at once (default: one per core).")
    var threads: Int?

    @Option(name: .long, help: "Name shown in the coordinator's logs (default: host name and process id).")
    var name: String?

    @Option(name: .long, help: "Serve grpc.health.v1 on HOST:PORT (plaintext, no token): SERVING while joined to the coordinator, NOT_SERVING before, between connections and while draining. For Kubernetes' gRPC readiness probe. Prints 'health on HOST:PORT'.")
    var healthListen: String?

    @Flag(name: .long, help: .hidden)
    var exitWithParent = false

    @OptionGroup var logging: LogOptions

    func validate() throws {
        if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads must be from 1 to 1024") }
        if let healthListen, ClusterAddress(healthListen) == nil {
            throw ValidationError("--health-listen must be HOST:PORT, got '\(healthListen)'")
        }
    }

    func run() async throws {
        let logger = Logs.logger("tailgrid.worker", format: logging.logFormat)
        var worker = WorkerService(
            coordinator: try cluster.address(), token: try cluster.token(),
            slots: threads ?? ProcessInfo.processInfo.activeProcessorCount,
            name: name ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)",
            tls: try cluster.tls.checked(), logger: logger)
        var services: [any Service] = []
        if let healthListen, let address = ClusterAddress(healthListen) {
            let health = HealthService(serving: false)
            worker.onReadiness = { health.setServing($0) }
            services.append(HealthServer(host: address.host, port: address.port, health: health) { host, port in
                FileHandle.standardOutput.write(Data("health on \(ClusterAddress(host: host, port: port))\n".utf8))
            })
        }
        // Shut down in reverse: the worker drains first, while its probe says NOT_SERVING.
        services.append(worker)
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        if exitWithParent {
            // Started by `run --workers`: leave when that process is gone, however it ended.
            let parent = getppid()
            Task.detached {
                while getppid() == parent { try? await Task.sleep(for: .milliseconds(250)) }
                kill(getpid(), SIGTERM)
            }
        }
        do {
            try await group.run()
        } catch let error as ClusterError {
            throw CommandFailure.exit(error)
        }
    }
}
