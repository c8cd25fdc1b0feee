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

    @Flag(name: .long, help: .hidden)
    var exitWithParent = false

    @OptionGroup var logging: LogOptions

    func validate() throws {
        if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads must be from 1 to 1024") }
    }

    func run() async throws {
        let logger = Logs.logger("tailgrid.worker", format: logging.logFormat)
        let worker = WorkerService(
            coordinator: try cluster.address(), token: try cluster.token(),
            slots: threads ?? ProcessInfo.processInfo.activeProcessorCount,
            name: name ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)",
            tls: try cluster.tls.checked(), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [worker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
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
