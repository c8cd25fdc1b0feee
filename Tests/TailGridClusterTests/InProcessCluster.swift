import Foundation
import GRPCCore
import GRPCInProcessTransport
import Logging
import Synchronization
import TailGridCluster
import TailGridEngine
import TailGridJob
import TailGridJournal
import TailGridProtocol
import TailGridTestSupport

/// A coordinator whose gRPC services are reached over in-process transports: the same
/// services, streams and messages as over TCP, without sockets or processes. Each
/// connection gets its own transport pair and server (an in-process client transport
/// connects once); all of them serve the one coordinator.
final class InProcessCluster: Sendable {
    let coordinator: Coordinator
    let tokens: ClusterTokens
    let health = HealthService()
    let servers = Mutex<[Task<Void, any Error>]>([])
    let workers = Mutex<[String: Task<Void, any Error>]>([:])

    init(configuration: CoordinatorConfiguration = CoordinatorConfiguration(), tokens: ClusterTokens = ClusterTokens(shared: nil),
         journal: Journal? = nil) {
        var logger = Logger(label: "tailgrid.test.coordinator")
        logger.logLevel = .critical
        self.coordinator = Coordinator(configuration: configuration, logger: logger, journal: journal)
        self.tokens = tokens
    }

    /// A fresh client transport connected to the coordinator's services.
    func connection() -> InProcessTransport.Client {
        let transport = InProcessTransport()
        let server = GRPCServer(transport: transport.server,
                                services: CoordinatorServer.services(coordinator: coordinator, health: health),
                                interceptors: CoordinatorServer.interceptors(access: ClusterAccess(tokens: tokens)))
        let task = Task { try await server.serve() }
        servers.withLock { $0.append(task) }
        return transport.client
    }

    /// Starts a worker; cancelling it (`kill`) drops its stream as a dead process would.
    func startWorker(_ name: String, slots: Int = 1) {
        var logger = Logger(label: "tailgrid.test.worker")
        logger.logLevel = .warning
        let worker = WorkerService(coordinator: "in-process", token: tokens.worker.first, slots: slots, name: name, logger: logger) { [self] in
            connection()
        }
        workers.withLock { $0[name] = Task { try await worker.run() } }
    }

    func kill(_ name: String) {
        workers.withLock { $0.removeValue(forKey: name)?.cancel() }
    }

    /// Starts a hostile worker; it runs until `stop`.
    @discardableResult
    func startHostile(_ behaviour: HostileWorker.Behaviour, name: String) -> HostileWorker {
        let worker = HostileWorker(behaviour, name: name)
        let transport = connection()
        workers.withLock { $0[name] = Task { try await worker.run(over: transport) } }
        return worker
    }

    /// Runs the coordinator's timers (lease expiry, speculation, audits, eviction) until `stop`.
    func startTimers() {
        let coordinator = self.coordinator
        workers.withLock { $0["timers"] = Task { await coordinator.runTimers() } }
    }

    func stop() {
        workers.withLock { workers in
            for task in workers.values { task.cancel() }
            workers.removeAll()
        }
        coordinator.shutdown()
        servers.withLock { $0.forEach { $0.cancel() } }
    }

    /// Waits until `condition` holds, polling. The default is generous: the engine's tests
    /// keep the cooperative pool (which this cluster's worker shares) busy for 17 s here
    /// and 25 s on CI, and 52 s with three test runs at once, where 60 s ran out.
    func wait(upTo timeout: Duration = .seconds(180), until condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return try condition()
    }

    func waitForEnd(_ id: String) async throws -> Tailgrid_V1_JobStatus {
        var last = try coordinator.status(job: id)
        for await status in try coordinator.watch(job: id) { last = status }
        return last
    }

    /// result.json of a finished job without its timing line and audit block.
    func resultWithoutTiming(_ id: String) throws -> String {
        ResultText.comparable(try coordinator.result(job: id).json)
    }
}

/// Jobs and their in-process reference results.
enum ClusterJobs {
    static func load(_ yaml: String, name: String = "job.yaml") throws -> LoadedJob {
        try JobFile.parse(jobBytes: Data(yaml.utf8), path: name, positions: nil)
    }

    static var quickstart: LoadedJob {
        get throws { try JobFile.load(path: ClusterProcesses.repositoryRoot.appendingPathComponent("jobs/quickstart.yaml").path) }
    }

    /// jobs/quickstart.yaml's text with `scenarios` in chunks of `chunkSize`.
    static func quickstartYAML(scenarios: Int = 100_000, chunkSize: Int = 8192) throws -> String {
        try String(contentsOf: ClusterProcesses.repositoryRoot.appendingPathComponent("jobs/quickstart.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "scenarios: 100000", with: "scenarios: \(scenarios)")
            .replacingOccurrences(of: "chunk_size: 8192", with: "chunk_size: \(chunkSize)")
    }

    /// The quickstart book with a margin policy and 310 stress scenarios (a grid of 101
    /// spot moves and the 2 default extended ones, three vol moves each, and a crash):
    /// two stress batches, the first one full. `scenarios` and `chunkSize` set its chunks.
    static func stressed(scenarios: Int = 20_000, chunkSize: Int = 8192) throws -> LoadedJob {
        let yaml = try quickstartYAML(scenarios: scenarios, chunkSize: chunkSize)
            .replacingOccurrences(of: "margin: { measure: es, maintenance_ratio: 0.8 }", with: """
            margin: { measure: es, maintenance_ratio: 0.8, combine: blend, base_weight: 0.4, short_option_minimum: {} }
            stress:
              grid: { spot_steps: 50 }
              hypothetical: [{ name: crash, spot: { BTC: -0.4, ETH: -0.5 }, vol: { BTC: 1.5 } }]
              dependence: { confidence: 0.995 }
            """)
        return try load(yaml)
    }

    /// The result.json `tailgrid run` would write, without its timing line.
    static func localResult(_ job: LoadedJob) throws -> String {
        let result = try LocalRunner(plan: try EnginePlan(job.engineJob), threads: 2).run()
        return ResultText.comparable(try ResultWriter.jsonData(ResultDocument(job: job, result: result, elapsedSeconds: 0)))
    }
}
