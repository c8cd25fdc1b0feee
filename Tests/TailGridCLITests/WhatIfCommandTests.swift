import Foundation
import Testing
import TailGridJob

/// `tailgrid whatif`, as a user runs it.
@Suite struct WhatIfCommandTests {
    /// Buying back part of alice's short calls: the JSON's "before" is result.json's
    /// alice (the account alone prices the same), equity stays, margin falls.
    @Test func whatIfPrintsBeforeAndAfter() async throws {
        let out = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try await TailGridProcess.run(["run", "jobs/quickstart.yaml", "--quiet", "--out", out.path]).status == 0)
        let result = try JSONDecoder().decode(ResultDocument.self, from: Data(contentsOf: out.appendingPathComponent("result.json")))
        let alice = try #require(result.accounts.first { $0.id == "alice" })

        let outcome = try await TailGridProcess.run(["whatif", "jobs/quickstart.yaml", "--account", "alice",
                                               "--add", "BTC-28MAR25-100000-C:4", "--json"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let document = try JSONDecoder().decode(WhatIfDocument.self, from: Data(outcome.standardOutput.utf8))
        #expect(abs(document.before.initialMargin - alice.initialMargin) <= 1e-12 * alice.initialMargin)
        #expect(document.trades.map(\.instrument) == ["BTC-28MAR25-100000-C"] && document.trades.map(\.quantity) == [4])
        #expect(document.after.initialMargin < document.before.initialMargin)
        #expect(document.initialMarginChange == document.after.initialMargin - document.before.initialMargin)
        #expect(abs(document.after.equity - document.before.equity) <= 1e-9 * document.before.equity)

        let table = try await TailGridProcess.run(["whatif", "jobs/quickstart.yaml", "--account", "alice",
                                             "--add", "BTC-PERPETUAL:-20000", "--add", "ETH-PERPETUAL:5000"])
        #expect(table.status == 0, "\(table.standardError)")
        #expect(table.standardOutput.contains("initial margin"))
        #expect(table.standardOutput.contains("common random numbers"))
    }

    /// Every malformed or hostile trade and account exits 64 naming the flag.
    @Test(arguments: [
        "BTC-PERPETUAL", "BTC-PERPETUAL:", ":5", "BTC-PERPETUAL:nan", "BTC-PERPETUAL:inf", "BTC-PERPETUAL:0",
        "BTC-PERPETUAL:1e308", "BTC-PERPETUAL:-1e308", "BTC-PERPETUAL:abc", "XRP-PERPETUAL:1", "BTC-01JAN20-100-C:1",
        "BTC-28MAR25-100000-Q:1", String(repeating: "A", count: 100_000) + ":1",
    ])
    func badTradesExit64(trade: String) async throws {
        let outcome = try await TailGridProcess.run(["whatif", "jobs/quickstart.yaml", "--account", "alice", "--add", trade])
        #expect(outcome.status == 64, "\(trade.prefix(40)): \(outcome.standardError)")
        #expect(outcome.standardError.contains("--add"))
        #expect(outcome.standardOutput.isEmpty)
    }

    @Test(arguments: [
        ["whatif", "jobs/quickstart.yaml", "--account", "mallory", "--add", "BTC-PERPETUAL:1"],
        ["whatif", "jobs/quickstart.yaml", "--account", "alice"],
        ["whatif", "jobs/quickstart.yaml", "--account", "", "--add", "BTC-PERPETUAL:1"],
        ["whatif", "jobs/quickstart.yaml", "--account", "alice", "--add", "BTC-PERPETUAL:1", "--threads", "-3"],
        ["whatif", "--account", "alice", "--add", "BTC-PERPETUAL:1"],
        ["whatif", "jobs/quickstart.yaml", "--server", "127.0.0.1:1", "--account", "alice", "--add", "BTC-PERPETUAL:1"],
        ["whatif", "--server", "no-port", "--account", "alice", "--add", "BTC-PERPETUAL:1"],
        ["whatif", "--server", "127.0.0.1:1", "--account", "alice", "--add", "BTC-PERPETUAL:1", "--threads", "2"],
        ["whatif", "jobs/quickstart.yaml", "--token-file", "/dev/null", "--account", "alice", "--add", "BTC-PERPETUAL:1"],
    ])
    func badRequestsExit64(arguments: [String]) async throws {
        let outcome = try await TailGridProcess.run(arguments)
        #expect(outcome.status == 64, "\(outcome.standardError)")
        #expect(outcome.standardOutput.isEmpty)
    }
}

/// `tailgrid serve`'s options from outside: a shard that is not I/K with I < K <= 1024,
/// a shard and a front at once, a front address that is not HOST:PORT, a wait that is not
/// a number of seconds, admission limits out of range, a shard token without shards, and
/// more shards than the job has tiles of 256 scenarios: each exits 64 before any book is
/// held, naming the option.
@Suite struct ServeOptionsTests {
    @Test(arguments: [
        (["--shard", "2/2"], "--shard"),
        (["--shard", "nan/2"], "--shard"),
        (["--shard", String(repeating: "9", count: 100_000) + "/2"], "--shard"),
        (["--shard", "0/2", "--shards", "127.0.0.1:1"], "not both"),
        (["--shards", "nowhere"], "--shards"),
        (["--shards", "127.0.0.1:1", "--shard-wait", "nan"], "--shard-wait"),
        (["--shards", "127.0.0.1:1", "--shard-wait", "1e308"], "--shard-wait"),
        (["--shards", "127.0.0.1:1", "--shard-wait", "-1"], "--shard-wait"),
        (["--max-computing", "0"], "--max-computing"),
        (["--max-waiting", "-1"], "--max-waiting"),
        (["--shard-token-file", "/dev/null"], "--shard-token-file"),
        (["--shard", "0/1024"], "--shard"),
    ])
    func badServeOptionsExit64(options: [String], named: String) async throws {
        let outcome = try await TailGridProcess.run(["serve", "jobs/quickstart.yaml", "--listen", "127.0.0.1:0"] + options)
        #expect(outcome.status == 64 && outcome.standardError.contains(named), "\(options.map { $0.prefix(20) }): \(outcome.standardError.prefix(300))")
        #expect(!outcome.standardOutput.contains("listening on"))
    }
}
