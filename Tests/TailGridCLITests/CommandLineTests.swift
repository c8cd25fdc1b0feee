import Foundation
import Testing
import TailGridJob

@Suite("tailgrid command line")
struct CommandLineTests {
    func decode(_ folder: URL) throws -> ResultDocument {
        try JSONDecoder().decode(ResultDocument.self, from: Data(contentsOf: folder.appendingPathComponent("result.json")))
    }

    /// The quick-start job, through the real executable, from the repository root.
    @Test func quickstartRunsAndWritesResults() throws {
        let out = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let outcome = try TailGridProcess.run(["run", "jobs/quickstart.yaml", "--out", out.path])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("account"))
        #expect(outcome.standardOutput.contains("alice"))
        let document = try decode(out)
        #expect(document.job == "quickstart")
        #expect(document.scenarios == 100_000)
        #expect(document.inputSHA256.count == 64)
        #expect(document.engineVersion == EngineVersion.current)
        #expect(document.accounts.map(\.id) == ["alice", "bob", "carol", "dave", "erin"])
        for account in document.accounts {
            #expect(account.es["0.99"]! >= account.var["0.99"]!)
            #expect(account.es["0.995"]! >= account.es["0.99"]!)
            #expect(account.initialMargin == max(0, account.es["0.99"]!))
            #expect(abs(account.maintenanceMargin - 0.8 * account.initialMargin) <= 1e-9 * account.initialMargin)
            #expect(account.excessMargin == account.equity - account.initialMargin)
            #expect(account.histogram.counts.reduce(0, +) + account.histogram.underflow + account.histogram.overflow == 100_000)
        }
        let csv = try String(contentsOf: out.appendingPathComponent("accounts.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines[0].hasPrefix("account,equity,var_0.99,es_0.99,es_se_0.99,var_0.995"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["accounts.csv", "result.json"])
    }

    /// One thread or many: the same result.json, byte for byte, apart from the timing.
    @Test func resultIsByteIdenticalAcrossThreadCounts() throws {
        var bodies: [Data] = []
        for threads in ["1", "3"] {
            let out = TailGridProcess.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: out) }
            let outcome = try TailGridProcess.run(["run", "jobs/quickstart.yaml", "--out", out.path, "--threads", threads, "--quiet"])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            #expect(outcome.standardOutput.isEmpty)
            var document = try decode(out)
            document.elapsedSeconds = 0
            bodies.append(try ResultWriter.jsonData(document))
        }
        #expect(bodies[0] == bodies[1])
    }

    @Test func validateAcceptsTheQuickstart() throws {
        let outcome = try TailGridProcess.run(["validate", "jobs/quickstart.yaml"])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("ok"))
    }

    /// Bad data: exit 65, the message names the file and the field, nothing is written.
    @Test func brokenJobExits65AndWritesNothing() throws {
        let folder = TailGridProcess.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let quickstart = try String(contentsOf: TailGridProcess.repositoryRoot.appendingPathComponent("jobs/quickstart.yaml"), encoding: .utf8)
        let broken = quickstart.replacingOccurrences(of: "BTC-28MAR25-100000-C", with: "BTC-28MAR25-100000-Q")
        let job = folder.appendingPathComponent("broken.yaml")
        try broken.write(to: job, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        for command in ["validate", "run"] {
            let arguments = command == "run" ? [command, job.path, "--out", out.path] : [command, job.path]
            let outcome = try TailGridProcess.run(arguments)
            #expect(outcome.status == 65)
            #expect(outcome.standardError.contains("broken.yaml: accounts[0].positions[0].instrument"), "\(outcome.standardError)")
            #expect(outcome.standardError.contains("'Q' is not C or P"))
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test func missingJobExits66() throws {
        let outcome = try TailGridProcess.run(["run", "no-such-job.yaml"])
        #expect(outcome.status == 66)
        #expect(outcome.standardError.contains("no-such-job.yaml: does not exist"))
    }

    @Test(arguments: [["run"], ["run", "jobs/quickstart.yaml", "--threads", "0"], ["frobnicate"]])
    func badUsageExits64(arguments: [String]) throws {
        #expect(try TailGridProcess.run(arguments).status == 64)
    }

    @Test func unwritableOutputExits73() throws {
        let outcome = try TailGridProcess.run(["run", "jobs/quickstart.yaml", "--out", "/proc/tailgrid-cannot-write", "--quiet"])
        #expect(outcome.status == 73)
    }
}
