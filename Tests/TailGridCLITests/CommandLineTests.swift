import Foundation
import Testing
import TailGridJob
import TailGridTestSupport

@Suite("tailgrid command line")
struct CommandLineTests {
    func decode(_ folder: URL) throws -> ResultDocument {
        try JSONDecoder().decode(ResultDocument.self, from: Data(contentsOf: folder.appendingPathComponent("result.json")))
    }

    /// The quick-start job, through the real executable, from the repository root.
    @Test func quickstartRunsAndWritesResults() async throws {
        let out = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let outcome = try await TailGridProcess.run(["run", "jobs/quickstart.yaml", "--out", out.path])
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
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["accounts.csv", "report.html", "result.json"])
    }

    /// The Deribit-style grid job runs without price files: 57 grid scenarios, the
    /// stress and minimum columns in the table, and IM's components adding up to IM.
    /// The overnight seller's 100 calls a third out of the money need at least 976,000
    /// (0.1 S each at S = 97,600), far above their ES.
    @Test func deribitGridJobRunsAndItsComponentsAddUp() async throws {
        let out = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let outcome = try await TailGridProcess.run(["run", "jobs/deribit-grid.yaml", "--out", out.path])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("stress") && outcome.standardOutput.contains("min"))
        let document = try decode(out)
        #expect(document.stressScenarios.count == 57)
        #expect(document.stressScenarios.filter { $0.weight == 0.33 }.count == 6)
        for account in document.accounts {
            let components = account.marginComponents
            #expect(components.base + components.stressUplift + components.shortOptionUplift == account.initialMargin)
            #expect(account.initialMargin >= (components.shortOptionMinimum ?? .infinity))
            #expect(account.initialMargin >= account.stress?.component ?? .infinity)
            #expect(account.initialMargin >= account.es["0.99"]!)
        }
        let seller = try #require(document.accounts.first { $0.id == "overnight-seller" })
        #expect(abs(try #require(seller.marginComponents.shortOptionMinimum) - 976_000) <= 1e-6)
        #expect(seller.es["0.99"]! < 976_000)
    }

    /// One thread or many: the same result.json, byte for byte, apart from the timing.
    @Test func resultIsByteIdenticalAcrossThreadCounts() async throws {
        var bodies: [Data] = []
        for threads in ["1", "3"] {
            let out = TailGridProcess.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: out) }
            let outcome = try await TailGridProcess.run(["run", "jobs/quickstart.yaml", "--out", out.path, "--threads", threads, "--quiet"])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            #expect(outcome.standardOutput.isEmpty)
            var document = try decode(out)
            document.elapsedSeconds = 0
            bodies.append(try ResultWriter.jsonData(document))
        }
        #expect(bodies[0] == bodies[1])
    }

    @Test func validateAcceptsTheQuickstart() async throws {
        let outcome = try await TailGridProcess.run(["validate", "jobs/quickstart.yaml"])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("ok"))
    }

    /// Bad data: exit 65, the message names the file and the field, nothing is written;
    /// the same with local workers, which start while the job loads and are stopped.
    @Test func brokenJobExits65AndWritesNothing() async throws {
        let folder = TailGridProcess.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let quickstart = try String(contentsOf: TailGridProcess.repositoryRoot.appendingPathComponent("jobs/quickstart.yaml"), encoding: .utf8)
        let broken = quickstart.replacingOccurrences(of: "BTC-28MAR25-100000-C", with: "BTC-28MAR25-100000-Q")
        let job = folder.appendingPathComponent("broken.yaml")
        try broken.write(to: job, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        for arguments in [["validate", job.path], ["run", job.path, "--out", out.path],
                          ["run", job.path, "--out", out.path, "--workers", "2"]] {
            let outcome = try await TailGridProcess.run(arguments)
            #expect(outcome.status == 65, "\(arguments): \(outcome.standardError)")
            #expect(outcome.standardError.contains("broken.yaml: accounts[0].positions[0].instrument"), "\(outcome.standardError)")
            #expect(outcome.standardError.contains("'Q' is not C or P"))
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test(arguments: [[], ["--workers", "2"]])
    func missingJobExits66(workers: [String]) async throws {
        let outcome = try await TailGridProcess.run(["run", "no-such-job.yaml"] + workers)
        #expect(outcome.status == 66)
        #expect(outcome.standardError.contains("no-such-job.yaml: does not exist"))
    }

    @Test(arguments: [["run"], ["run", "jobs/quickstart.yaml", "--threads", "0"], ["frobnicate"]])
    func badUsageExits64(arguments: [String]) async throws {
        #expect(try await TailGridProcess.run(arguments).status == 64)
    }

    @Test func unwritableOutputExits73() async throws {
        let outcome = try await TailGridProcess.run(["run", "jobs/quickstart.yaml", "--out", "/proc/tailgrid-cannot-write", "--quiet"])
        #expect(outcome.status == 73)
    }

    /// The coordinator's flags from outside: NaN, negatives, 1e308, empty values and a
    /// number of 100,000 digits (a single argument is at most 128 KiB on Linux, so a
    /// 100 MB value cannot be passed) are refused as usage (64) before anything listens;
    /// none reaches a trap.
    @Test(arguments: [
        ["--audit-fraction", "nan"], ["--audit-fraction", "-0.1"], ["--audit-fraction", "1e308"], ["--audit-fraction", ""],
        ["--retain-seconds", "nan"], ["--retain-seconds", "-1"], ["--retain-seconds", "1e308"], ["--retain-jobs", "-1"],
        ["--retain-megabytes", "-1"], ["--retain-megabytes", "1073741825"], ["--retain-megabytes", "nan"],
        ["--retain-megabytes", "1e308"], ["--retain-megabytes", ""], ["--retain-megabytes", String(repeating: "9", count: 100_000)],
        ["--max-positions-bytes", "-1"], ["--max-job-bytes", "0"], ["--max-scenarios", "-5"],
        ["--lease-timeout", "nan"], ["--lease-timeout", "1e308"], ["--lease-timeout", "-1"], ["--max-attempts", "0"],
        ["--worker-token-file", "/dev/null"], ["--listen", "[::1]:99999"],
    ])
    func badCoordinatorFlagsAreUsageErrors(_ flags: [String]) async throws {
        let outcome = try await TailGridProcess.run(["coordinator", "--listen", "127.0.0.1:0"] + flags)
        #expect(outcome.status == 64, "\(flags): \(outcome.standardError)")
        #expect(!outcome.standardOutput.contains("listening on"))
    }

    /// The output folder is replaced as a whole, so one that holds other files (or the
    /// working folder itself) is refused with 73 and left as it was.
    @Test func outputFolderWithOtherFilesIsRefused() async throws {
        let folder = TailGridProcess.temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "keep me".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let job = TailGridProcess.repositoryRoot.appendingPathComponent("jobs/quickstart.yaml").path
        let outcome = try await TailGridProcess.run(["run", job, "--out", folder.path, "--quiet"])
        #expect(outcome.status == 73, "\(outcome.standardError)")
        #expect(outcome.standardError.contains("holds other files"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["notes.txt"])
        for odd in [".", "..", "", "/"] {
            let here = try await TailGridProcess.run(["run", job, "--out", odd, "--quiet"], in: folder)
            #expect(here.status == 73, "--out '\(odd)': \(here.standardError)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["notes.txt"])
    }
}

/// `tailgrid synth` end to end: a book written at once that `run` accepts, and refusals
/// with their exit codes.
@Suite struct SynthCommandTests {
    @Test func aSynthesisedBookRunsAndBadArgumentsAreRefused() async throws {
        let folder = NSTemporaryDirectory() + "tailgrid-synth-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let made = try await TailGridProcess.run(["synth", "--accounts", "20", "--expiries", "2", "--strikes", "4", "--seed", "1",
                                            "--scenarios", "20000", "--out", folder + "/book"])
        #expect(made.status == 0, "\(made.standardError)")
        #expect(made.standardOutput.contains("20 accounts, 100 positions over 57 instruments of 3 coins"), "\(made.standardOutput)")
        let run = try await TailGridProcess.run(["run", folder + "/book/job.yaml", "--out", folder + "/out", "--quiet"])
        #expect(run.status == 0, "\(run.standardError)")
        let csv = try String(contentsOfFile: folder + "/out/accounts.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 21)
        // A folder with files in it is not overwritten.
        let again = try await TailGridProcess.run(["synth", "--accounts", "5", "--out", folder + "/book"])
        #expect(again.status == 73 && again.standardError.contains("not empty"), "\(again.standardError)")
        let unknown = try await TailGridProcess.run(["synth", "--accounts", "5", "--underlyings", "BTC,FOO", "--out", folder + "/x"])
        #expect(unknown.status == 64 && unknown.standardError.contains("--underlyings"), "\(unknown.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/x"))
    }

    /// A book of 600 accounts has its result.json encoded in runs of accounts on threads
    /// and written as pieces (`ResultJSONPieces`): the file is its document's bytes, as
    /// encoded whole, and the same as a local cluster's (whose coordinator encodes it whole),
    /// but for the timing and the machines.
    @Test func resultJSONInPiecesIsTheWholeDocument() async throws {
        let folder = NSTemporaryDirectory() + "tailgrid-pieces-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let made = try await TailGridProcess.run(["synth", "--accounts", "600", "--expiries", "2", "--strikes", "4", "--seed", "5",
                                                  "--scenarios", "4096", "--out", folder + "/book"])
        #expect(made.status == 0, "\(made.standardError)")
        var results: [String] = []
        for workers in ["0", "2"] {
            let out = folder + "/out-\(workers)"
            let run = try await TailGridProcess.run(["run", folder + "/book/job.yaml", "--out", out, "--quiet", "--threads", "2",
                                                     "--workers", workers])
            #expect(run.status == 0, "\(run.standardError)")
            let written = try Data(contentsOf: URL(fileURLWithPath: out + "/result.json"))
            let document = try JSONDecoder().decode(ResultDocument.self, from: written)
            #expect(document.accounts.count == 600)
            #expect(try ResultWriter.jsonData(document) == written, "--workers \(workers)")
            results.append(ResultText.comparable(written))
        }
        #expect(results[0] == results[1])
    }
}
