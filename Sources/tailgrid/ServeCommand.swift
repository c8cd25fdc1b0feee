import ArgumentParser
import Foundation
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
            (port 0 picks a free port); SIGTERM stops it.
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

    func validate() throws {
        guard let address = ClusterAddress(listen) else { throw ValidationError("--listen must be HOST:PORT, got '\(listen.prefix(80))'") }
        if !address.isLoopback && tokenFile == nil { throw ValidationError("listening on \(address) (not loopback) requires --token-file") }
        if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads must be from 1 to 1024") }
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
        let book: ServedBook
        do {
            let loaded = try JobFile.load(path: job, dataDirectory: dataDir)
            let started = ContinuousClock.now
            let plan: EnginePlan
            do { plan = try EnginePlan(loaded.engineJob) } catch { throw JobError(error, file: job) }
            book = ServedBook(plan: plan, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
            logger.info("""
                book held: \(plan.evaluator.instruments.count) instruments x \(plan.job.scenarios) scenarios x \
                \(book.stores.count) evaluators, \(book.bytes / 1_000_000) MB, in \(String(format: "%.2f", (ContinuousClock.now - started) / .seconds(1))) s
                """)
        } catch let error as JobError {
            throw CommandFailure.exit(error)
        }
        let server = BookServer(book: book, file: job, host: address.host, port: address.port,
                                access: ClusterAccess(tokens: tokens), tls: try tls.checked()) { host, port in
            FileHandle.standardOutput.write(Data("listening on \(ClusterAddress(host: host, port: port))\n".utf8))
        }
        let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
