import Foundation
import Testing
import TailGridJob

/// `tailgrid explain` and `run --explain`, as a user runs them.
@Suite struct ExplainCommandTests {
    static func explanation(_ folder: URL) throws -> ExplanationDocument {
        try JSONDecoder().decode(ExplanationDocument.self, from: Data(contentsOf: folder.appendingPathComponent("explain.json")))
    }

    static func result(_ folder: URL) throws -> ResultDocument {
        try JSONDecoder().decode(ResultDocument.self, from: Data(contentsOf: folder.appendingPathComponent("result.json")))
    }

    /// Explaining two quickstart accounts: the ES explained is the bit-identical ES of
    /// result.json (the run is the same), the lines add up to it, and contributions.csv
    /// holds the same lines.
    @Test func explainWritesContributionsThatAddUpToTheResultsES() async throws {
        let out = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let outcome = try await TailGridProcess.run(["explain", "jobs/quickstart.yaml", "--account", "alice", "--account", "dave",
                                               "--out", out.path])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("alice: ES"))
        #expect(outcome.standardOutput.contains("implied_vol"))
        let explanation = try Self.explanation(out)
        let result = try Self.result(out)
        #expect(explanation.accounts.map(\.id) == ["alice", "dave"])
        for account in explanation.accounts {
            let reported = try #require(result.accounts.first { $0.id == account.id })
            #expect(account.expectedShortfall == reported.es["0.99"])
            #expect(account.tailCount == 1_000)
            let gross = account.lines.reduce(abs(account.expectedShortfall)) { $0 + abs($1.contribution) }
            #expect(abs(account.contributionSum - account.expectedShortfall) <= 1e-12 * gross)
            #expect(account.worstScenarios.count == 10)
            #expect(account.worstScenarios.first?.loss ?? 0 >= account.valueAtRisk)
            // IM by line: the quickstart margins ES alone, so every line's part is its ES
            // contribution (IM = max(0, ES)), nothing is left unsplit, and the parts add up to
            // the result's IM.
            let margin = try #require(account.margin)
            #expect(margin.initialMargin == reported.initialMargin && margin.unsplit.isEmpty)
            #expect(abs(margin.linesTotal - reported.initialMargin) <= 1e-12 * gross)
            #expect(account.lines.allSatisfy { $0.margin?.base == $0.contribution && $0.margin?.total == $0.contribution })
        }
        let csv = try String(contentsOf: out.appendingPathComponent("contributions.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n")
        #expect(rows.first == "account,currency,kind,instrument,underlying,quantity,contribution,share,stress_loss,margin")
        #expect(rows.count == 1 + explanation.accounts.reduce(0) { $0 + $1.lines.count })
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
                == ["accounts.csv", "contributions.csv", "explain.json", "report.html", "result.json"])
    }

    /// `run --explain` explains every account, and its result.json is byte for byte the
    /// one `run` writes apart from the elapsed time. On a local cluster of two worker
    /// processes (`--workers 2`), which replay the chunks' tail scenarios after the merge,
    /// explain.json and contributions.csv are byte for byte the in-process ones, and so
    /// are the accounts of result.json.
    @Test func runExplainExplainsEveryAccountAndKeepsTheResult() async throws {
        let plain = TailGridProcess.temporaryFolder(), explained = TailGridProcess.temporaryFolder()
        let clustered = TailGridProcess.temporaryFolder()
        defer {
            try? FileManager.default.removeItem(at: plain)
            try? FileManager.default.removeItem(at: explained)
            try? FileManager.default.removeItem(at: clustered)
        }
        #expect(try await TailGridProcess.run(["run", "jobs/quickstart.yaml", "--quiet", "--out", plain.path]).status == 0)
        let outcome = try await TailGridProcess.run(["run", "jobs/quickstart.yaml", "--quiet", "--explain", "--out", explained.path])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let explanation = try Self.explanation(explained)
        #expect(explanation.accounts.map(\.id) == ["alice", "bob", "carol", "dave", "erin"])
        var first = try Self.result(plain), second = try Self.result(explained)
        first.elapsedSeconds = 0
        second.elapsedSeconds = 0
        #expect(first == second)
        let onCluster = try await TailGridProcess.run(["run", "jobs/quickstart.yaml", "--quiet", "--explain", "--workers", "2",
                                                       "--out", clustered.path])
        #expect(onCluster.status == 0, "\(onCluster.standardError)")
        for name in ["explain.json", "contributions.csv"] {
            #expect(try Data(contentsOf: clustered.appendingPathComponent(name)) == Data(contentsOf: explained.appendingPathComponent(name)),
                    "\(name) differs between the cluster and this process")
        }
        #expect(try Self.result(clustered).accounts == second.accounts)
        #expect(try String(contentsOf: clustered.appendingPathComponent("report.html"), encoding: .utf8).contains("alice"))
    }

    /// An unknown account, no account, an empty one, or no thread: exit 64, and nothing
    /// written.
    @Test(arguments: [
        ["explain", "jobs/quickstart.yaml", "--account", "mallory"],
        ["explain", "jobs/quickstart.yaml"],
        ["explain", "jobs/quickstart.yaml", "--account", ""],
        ["explain", "jobs/quickstart.yaml", "--account", "alice", "--threads", "0"],
    ])
    func badRequestsExit64AndWriteNothing(arguments: [String]) async throws {
        let out = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let outcome = try await TailGridProcess.run(arguments + ["--out", out.path])
        #expect(outcome.status == 64, "\(outcome.standardError)")
        #expect(!outcome.standardError.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
