import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TailGridCluster
import TailGridEngine
import TailGridJob

/// `tailgrid serve JOB --listen HOST:PORT`: holds the job's book in memory and answers
/// what-if requests over gRPC (`tailgrid.v1.WhatIfService`) in milliseconds.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Hold a job's book in memory and answer what-if margin requests over gRPC.",
        discussion: """
            Computes every instrument's P&L in every scenario of the job once (per evaluator: \
            the base, a dependence stress's, a lookback floor's) and keeps it in memory. Each \
            tailgrid.v1.WhatIfService/WhatIf request (an account and INSTRUMENT:QUANTITY trades) \
            re-aggregates only that account's positions, before and after the trades, and \
            answers what 'tailgrid whatif' answers, bit for bit. A trade in an instrument the book \
            does not hold is priced for the request. Prints 'listening on HOST:PORT' once ready \
            (port 0 picks a free port); SIGTERM stops it. At most --max-computing what-ifs \
            compute at once and --max-waiting wait; a request past them is answered UNAVAILABLE \
            at once ('tailgrid whatif --server' exits 69), so a flood costs no thread per request. \
            With --shard I/K it holds only shard I of K of the scenarios (a K-th of the memory) and \
            answers a front; with --shards HOST:PORT ... it is that front: it holds no P&L, asks \
            every shard server and merges their answers exactly, the bits of the book held whole.
            """
    )

    @Argument(help: "The YAML job file.")
    var job: String

    @Option(name: .long, help: "Address to listen on, HOST:PORT.")
    var listen: String = "127.0.0.1:7071"

    @Option(name: .long, help: "File holding the bearer token clients must send. Required unless listening on loopback.")
    var tokenFile: String?

    @OptionGroup var tls: TLSOptions

    @Option(name: .long, help: "Folder of the price files a calibration names (default: the job's data_dir, else the folder of the file naming them).")
    var dataDir: String?

    @Option(name: .long, help: "Threads computing the book (default: one per core).")
    var threads: Int?

    @Option(name: .long, help: "Hold only shard I of K of the scenarios (I/K, e.g. 0/4) and answer a front's tailgrid.v1.ShardService.")
    var shard: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Hold no P&L: be the front of the shard servers at these HOST:PORTs (each 'serve --shard I/K'; a shard listed twice is a replica, and replicas must agree).")
    var shards: [String] = []

    @Option(name: .long, help: "File holding the token the front sends to its shard servers (default: none).")
    var shardTokenFile: String?

    @Option(name: .long, help: "Seconds the front waits for its shard servers to come up.")
    var shardWait: Double = 120

    @Option(name: .long, help: "What-ifs computed at once, each on a thread (default: one per core).")
    var maxComputing: Int?

    @Option(name: .long, help: "What-ifs waiting for a thread; a request past them is answered UNAVAILABLE (busy, try again) at once.")
    var maxWaiting = 256

    func validate() throws {
        guard let address = ClusterAddress(listen) else { throw ValidationError("--listen must be HOST:PORT, got '\(listen.prefix(80))'") }
        if !address.isLoopback && tokenFile == nil { throw ValidationError("listening on \(address) (not loopback) requires --token-file") }
        if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads must be from 1 to 1024") }
        if let maxComputing, maxComputing < 1 || maxComputing > 1024 { throw ValidationError("--max-computing must be from 1 to 1024") }
        if maxWaiting < 0 || maxWaiting > 1_000_000 { throw ValidationError("--max-waiting must be from 0 to 1000000") }
        if let shard, BookShard(shard) == nil { throw ValidationError("--shard must be I/K with 0 <= I < K <= \(BookShard.maxCount), got '\(shard.prefix(20))'") }
        if shard != nil && !shards.isEmpty { throw ValidationError("a server holds a shard (--shard) or fronts shard servers (--shards), not both") }
        if shards.count > 4 * BookShard.maxCount { throw ValidationError("at most \(4 * BookShard.maxCount) shard servers") }
        for address in shards where ClusterAddress(address) == nil { throw ValidationError("--shards takes HOST:PORT addresses, got '\(address.prefix(80))'") }
        if shards.isEmpty && shardTokenFile != nil { throw ValidationError("--shard-token-file is for --shards") }
        guard shardWait.isFinite, (0...86_400).contains(shardWait) else { throw ValidationError("--shard-wait must be in [0, 86400] seconds") }
    }

    func run() async throws {
        guard let address = ClusterAddress(listen) else { throw ValidationError("--listen must be HOST:PORT") }
        let logger = Logs.logger("tailgrid.serve")
        let tokens: ClusterTokens
        do {
            tokens = try tokenFile.map { ClusterTokens(workers: [], clients: try TokenFile.readForServing($0)) } ?? ClusterTokens(shared: nil)
        } catch let error as JobError {
            throw CommandFailure.exit(error)
        }
        let checkedTLS = try tls.checked()
        let book: BookServer.Book
        do {
            let loaded = try JobFile.load(path: job, dataDirectory: dataDir)
            let started = ContinuousClock.now
            let plan: EnginePlan
            do { plan = try EnginePlan(loaded.engineJob) } catch { throw JobError(error, file: job) }
            if shards.isEmpty {
                let held: ServedBook
                let shard = self.shard.flatMap(BookShard.init) ?? .whole
                do {
                    held = try ServedBook(plan: plan, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, shard: shard)
                } catch {
                    throw JobError(.usage, file: job, field: "--shard", error.message)
                }
                logger.info("""
                    book held\(shard.isWhole ? "" : " (shard \(shard), scenarios \(held.scenarios))"): \(plan.evaluator.instruments.count) \
                    instruments x \(held.scenarios.count) scenarios x \(held.stores.count) evaluators, \(held.bytes / 1_000_000) MB, \
                    in \(String(format: "%.2f", (ContinuousClock.now - started) / .seconds(1))) s
                    """)
                book = .held(held, jobSHA256: loaded.inputSHA256)
            } else {
                book = .front(try await front(plan: plan, jobSHA256: loaded.inputSHA256, tls: checkedTLS, logger: logger))
            }
        } catch let error as JobError {
            throw CommandFailure.exit(error)
        }
        let server = BookServer(book: book, file: job, host: address.host, port: address.port,
                                access: ClusterAccess(tokens: tokens), tls: checkedTLS,
                                gate: BookServer.defaultGate(running: maxComputing ?? ProcessInfo.processInfo.activeProcessorCount,
                                                             waiting: maxWaiting)) { host, port in
            FileHandle.standardOutput.write(Data("listening on \(ClusterAddress(host: host, port: port))\n".utf8))
        }
        let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// The front of the shard servers at --shards: each described (the same job, one count
    /// of shards, every shard held), then connected for the server's lifetime.
    func front(plan: EnginePlan, jobSHA256: String, tls: ClusterTLS, logger: Logger) async throws -> ShardFront {
        var token: BearerToken?
        if let shardTokenFile {
            do { token = try TokenFile.read(shardTokenFile) } catch { throw CommandFailure.exit(error) }
        }
        let addresses = shards.compactMap(ClusterAddress.init)
        do throws(ClusterError) {
            let described = try await ShardFront.describe(addresses, jobSHA256: jobSHA256, scenarios: plan.job.scenarios, token: token, tls: tls,
                                                          until: ContinuousClock.now + .milliseconds(Int64(shardWait * 1000)))
            let front = try ShardFront(plan: plan, jobSHA256: jobSHA256, shards: described, token: token, tls: tls)
            logger.info("front of \(front.shardCount) shards on \(addresses.count) servers: \(described.map { "\($0.address) holds \($0.shard)" }.joined(separator: ", "))")
            return front
        } catch {
            throw CommandFailure.exit(error)
        }
    }
}
