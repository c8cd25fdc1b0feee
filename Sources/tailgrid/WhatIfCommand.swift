import ArgumentParser
import Foundation
import TailGridCluster
import TailGridEngine
import TailGridJob
import TailGridMarket
import TailGridProtocol

/// `tailgrid whatif JOB --account ID --add INSTRUMENT:QTY`: an account's margin before and
/// after trades, with common random numbers (`WhatIf`).
struct WhatIfCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whatif",
        abstract: "An account's margin before and after trades, on the same scenarios (common random numbers).",
        discussion: """
            Prices the account alone, as it is and with the trades added, with the job's seed: \
            scenario s is the same market move in both runs, so the change is the trades' effect, \
            not Monte Carlo noise. --add takes a Deribit instrument name and a signed quantity in \
            the instrument's unit, like a job file's positions (BTC-PERPETUAL:-20000, \
            BTC-28MAR25-100000-C:5); repeat it for several trades. Trades settle at mark in USD \
            cash, so equity stays and only the risk moves. With --server instead of JOB the \
            question goes to a 'tailgrid serve' server holding the job's book, which answers \
            the same document in milliseconds (exit 69 when it is unreachable or busy, 65 when \
            it refuses the account or a trade, 76 when its answer is malformed).
            """
    )

    @Argument(help: "The YAML job file (not with --server).")
    var job: String?

    @Option(name: .long, help: "A 'tailgrid serve' server, HOST:PORT, to ask instead of computing the job here.")
    var server: String?

    @Option(name: .long, help: "File holding the server's client token (with --server).")
    var tokenFile: String?

    @OptionGroup var tls: TLSOptions

    @Option(name: .long, help: "The account the trades go into.")
    var account: String

    @Option(name: .long, help: "A trade, INSTRUMENT:QUANTITY (repeatable).")
    var add: [String] = []

    @Option(name: .long, help: "Folder of the price files a calibration names (default: the job's data_dir, else the folder of the file naming them).")
    var dataDir: String?

    @Option(name: .long, help: "Threads (default: one per core).")
    var threads: Int?

    @Flag(name: .long, help: "Print the before / after document as JSON instead of the table.")
    var json = false

    func validate() throws {
        switch (job, server) {
        case (nil, nil): throw ValidationError("name the job file, or a 'tailgrid serve' server with --server HOST:PORT")
        case (.some, .some): throw ValidationError("name the job file or --server, not both")
        case (nil, .some(let server)):
            guard ClusterAddress(server) != nil else { throw ValidationError("--server must be HOST:PORT, got '\(server.prefix(80))'") }
            if dataDir != nil || threads != nil { throw ValidationError("--data-dir and --threads are the server's with --server") }
        case (.some, nil):
            if tokenFile != nil { throw ValidationError("--token-file is for --server") }
        }
        if add.isEmpty { throw ValidationError("name at least one trade with --add INSTRUMENT:QUANTITY") }
        if add.count > 1_000 { throw ValidationError("at most 1,000 trades") }
        if account.isEmpty { throw ValidationError("--account must not be empty") }
        if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads must be from 1 to 1024") }
    }

    func run() async throws {
        guard let job else { return try await ask(server ?? "") }
        do {
            let loaded = try JobFile.load(path: job, dataDirectory: dataDir)
            let engineJob = loaded.engineJob
            guard let index = engineJob.accounts.firstIndex(where: { $0.id == account }) else {
                throw JobError(.usage, file: job, field: "--account", "no account '\(account.prefix(80))' in the job")
            }
            var trades: [Account.Position] = []
            for text in add {
                trades.append(try TradeArgument.position(text, market: engineJob.market))
            }
            let whatIf: WhatIf
            do {
                // The book's own order: "before" is the full run's figures, bit for bit.
                whatIf = try WhatIf(job: engineJob, account: index, trades: trades,
                                    threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                    order: WhatIf.BookOrder(plan: try EnginePlan(engineJob)))
            } catch {
                throw JobError(error, file: job)
            }
            try show(WhatIfDocument(job: engineJob, whatIf: whatIf, trades: trades))
        } catch let error as JobError {
            throw CommandFailure.exit(error)
        }
    }

    /// The what-if from a 'tailgrid serve' server: its document, checked against the
    /// question (the account, the trades) and against the margins the response states.
    func ask(_ server: String) async throws {
        let client = try ClusterOptions.client(coordinator: server, tokenFile: tokenFile, tls: tls)
        let response: Tailgrid_V1_WhatIfResponse
        do {
            response = try await client.withConnection { try await $0.whatIf(account: account, trades: add) }
        } catch {
            throw CommandFailure.exit(error)
        }
        let document: WhatIfDocument
        do {
            document = try JSONDecoder().decode(WhatIfDocument.self, from: response.documentJson)
        } catch {
            throw CommandFailure.exit(ClusterError(.protocolViolation, "server \(server) answered a document that is not a what-if: \(error)"))
        }
        guard document.account == account, document.trades.count == add.count,
              document.before.initialMargin.bitPattern == response.initialMarginBefore.bitPattern,
              document.after.initialMargin.bitPattern == response.initialMarginAfter.bitPattern else {
            throw CommandFailure.exit(ClusterError(.protocolViolation, "server \(server) answered a what-if for another question or with margins its document does not hold"))
        }
        try show(document)
    }

    /// The document as JSON (--json) or as the table.
    func show(_ document: WhatIfDocument) throws {
        if json {
            FileHandle.standardOutput.write(try document.jsonData())
        } else {
            print(Self.table(document))
        }
    }

    static func table(_ document: WhatIfDocument) -> String {
        let money = { (value: Double) in MarginTable.amount(value, in: document.currency) }
        let rows: [(String, KeyPath<WhatIfDocument.Figures, Double>)] = [
            ("VaR", \.valueAtRisk), ("ES", \.expectedShortfall), ("initial margin", \.initialMargin),
            ("maintenance margin", \.maintenanceMargin), ("equity", \.equity), ("excess", \.excessMargin),
        ]
        let cells = [["", "before", "after", "change"]]
            + rows.map { name, path in
                [name, money(document.before[keyPath: path]), money(document.after[keyPath: path]),
                 money(document.after[keyPath: path] - document.before[keyPath: path])]
            }
            + [["status", document.before.status, document.after.status, ""]]
        let lines = TextTable.lines(cells, leftAligned: [0])
        let trades = document.trades.map { "\($0.instrument) \($0.quantity > 0 ? "+" : "")\($0.quantity)" }.joined(separator: ", ")
        return "\(document.account) (\(document.currency)) with \(trades), at \(document.confidence), "
            + "\(document.scenarios) scenarios, common random numbers; settled at mark, USD cash "
            + "\(MarginTable.money(document.cashMoved))\n" + lines.joined(separator: "\n")
    }
}
