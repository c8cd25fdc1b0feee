import Foundation
import Testing
import TailGridEngine
import TailGridJob
import TailGridTestSupport

/// Job input written to hurt: alias bombs, CSV that a naive split misreads, files that are
/// not positions files, ids that attack spreadsheets and terminals.
@Suite("Job files: hostile input")
struct HostileJobInputTests {
    func load(_ yaml: String) throws(JobError) -> LoadedJob {
        try JobFile.parse(jobBytes: Data(yaml.utf8), path: "job.yaml", positions: nil)
    }

    func positionsJob(_ csv: String) throws -> LoadedJob {
        let folder = try JobFolder()
        defer { folder.remove() }
        try folder.write("positions.csv", csv)
        let text = JobFolder.valid.replacingOccurrences(of: "accounts:\n", with: "positions_file: positions.csv\naccounts:\n")
        return try JobFile.load(path: try folder.write("job.yaml", text))
    }

    /// The defect: 1.4 KB of aliases used as mapping keys, 7 levels deep, took over 30 s.
    @Test func aliasesAsKeysAreRefusedAtOnce() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for level in 1...7 {
            let previous = "*a\(level - 1)"
            text += "a\(level): &a\(level) {\((0..<9).map { "? \(previous) : \($0)" }.joined(separator: ", "))}\n"
        }
        text += JobFolder.valid
        #expect(text.utf8.count < 2_000)
        let started = ContinuousClock.now
        #expect { try load(text) } throws: { error in
            guard let error = error as? JobError else { return false }
            return error.code == .data && error.message.contains("is used as a mapping key")
        }
        // A generous bound: refusal is a text scan, milliseconds on any machine.
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect { try load("base: &b {x: 1}\n*b : 2\n" + JobFolder.valid) } throws: { ($0 as? JobError)?.message.contains("mapping key") == true }
        #expect { try load("base: &b {x: 1}\nm: { *b : 2 }\n" + JobFolder.valid) } throws: { ($0 as? JobError)?.message.contains("mapping key") == true }
    }

    /// Aliases as values are fine until they expand beyond the file's own size.
    @Test func aliasExpansionIsCapped() throws {
        var text = "a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        for level in 1...6 {
            text += "a\(level): &a\(level) [\(Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", "))]\n"
        }
        text += JobFolder.valid
        let started = ContinuousClock.now
        #expect { try load(text) } throws: { error in
            (error as? JobError)?.message.contains("aliases expand to more than") == true
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        // A modest alias use still reaches the ordinary checks (here: unknown keys).
        #expect { try load("shared: &s 0.55\n" + JobFolder.valid) } throws: { ($0 as? JobError)?.message.contains("unknown key 'shared'") == true }
        let aliased = JobFolder.valid.replacingOccurrences(of: "BTC: { spot: 97600, vol: 0.55", with: "BTC: { spot: 97600, vol: &v 0.55")
            .replacingOccurrences(of: "ETH: { spot: 2719, vol: 0.70 }", with: "ETH: { spot: 2719, vol: *v }")
        let loaded = try load(aliased)
        #expect(loaded.engineJob.market.underlying("ETH")?.vol == 0.55)
    }

    @Test func positionsFileAcceptsCRLFAndQuotedFields() throws {
        let csv = "account,instrument,quantity\r\n\"bob\",\"ETH-28MAR25-2500-P\",\"5\"\r\n# a comment\r\nalice, BTC ,\"-0.5\"\r\n"
        let loaded = try positionsJob(csv)
        #expect(loaded.engineJob.accounts[1].positions.count == 2)
        #expect(loaded.engineJob.accounts[1].positions[1].quantity == 5)
        #expect(loaded.engineJob.accounts[0].positions.last?.quantity == -0.5)
    }

    @Test func quotedAccountIdsWithCommasMatch() throws {
        let yaml = JobFolder.valid.replacingOccurrences(of: "id: bob", with: "id: \"bob, jr\"")
            .replacingOccurrences(of: "accounts:\n", with: "positions_file: positions.csv\naccounts:\n")
        let folder = try JobFolder()
        defer { folder.remove() }
        try folder.write("positions.csv", "account,instrument,quantity\n\"bob, jr\",ETH-28MAR25-2500-P,5\n\"say \"\"hi\"\"\",BTC,1\n")
        #expect { try JobFile.load(path: try folder.write("job.yaml", yaml)) } throws: { error in
            guard let error = error as? JobError else { return false }
            return error.line == 3 && error.message.contains("'say \"hi\"' is not declared")
        }
    }

    /// The defect: `positions_file: /etc/shadow` printed the file's first line. A first line
    /// that is not a CSV header is never echoed; a header-like one at most 200 characters.
    @Test func aFileThatIsNotAPositionsFileIsNotEchoed() throws {
        let secret = "root:$6$saltsalt$hashhashhash:19000:0:99999:7:::"
        do {
            _ = try positionsJob(secret + "\ndaemon:*:19000:0:99999:7:::\n")
            Issue.record("loaded a password file")
        } catch let error as JobError {
            #expect(!error.description.contains("root"), "\(error)")
            #expect(!error.description.contains("hash"), "\(error)")
            #expect(error.description.contains("not shown"))
        }
        let long = (0..<100).map { "column_\($0)" }.joined(separator: ",")
        do {
            _ = try positionsJob(long + "\n")
            Issue.record("loaded a bad header")
        } catch let error as JobError {
            #expect(error.description.contains("got 'column_0,column_1"))
            #expect(error.description.count < 400, "\(error.description.count) characters")
        }
    }

    /// Account ids that start like a formula get a leading quote in accounts.csv (OWASP).
    @Test func formulaLikeIdsAreNeutralisedInTheCSV() throws {
        for (id, expected) in [("=1+2", "'=1+2"), ("+SUM(A1)", "'+SUM(A1)"), ("-3", "'-3"), ("@cmd", "'@cmd"),
                               ("=HYPERLINK(\"x\",\"y\")", "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""), ("plain", "plain")] {
            let yaml = JobFolder.valid.replacingOccurrences(of: "id: alice", with: "id: '\(id.replacingOccurrences(of: "'", with: "''"))'")
            let loaded = try load(yaml)
            let plan = try EnginePlan(loaded.engineJob)
            let result = try LocalRunner(plan: plan, threads: 1).run()
            let document = ResultDocument(job: loaded, result: result, elapsedSeconds: 0)
            let csv = String(decoding: ResultWriter.csvData(document, labels: loaded.confidenceLabels), as: UTF8.self)
        #expect(csv == AccountsCSVOracle.csv(document, labels: loaded.confidenceLabels))
            let row = csv.split(separator: "\n")[1]
            #expect(row.hasPrefix(expected + ","), "\(row)")
        }
    }

    /// A result folder is replaced as a whole: it never holds a new result.json beside an
    /// old accounts.csv, and a folder holding other files is refused, untouched.
    @Test func resultFilesAreWrittenAsAPair() throws {
        let folder = try JobFolder()
        defer { folder.remove() }
        let out = folder.path + "/out"
        try ResultWriter.write([("result.json", Data("old json".utf8)), ("accounts.csv", Data("old csv".utf8))], into: out)
        try ResultWriter.write([("result.json", Data("new json".utf8)), ("accounts.csv", Data("new csv".utf8))], into: out)
        #expect(try String(contentsOfFile: out + "/result.json", encoding: .utf8) == "new json")
        #expect(try String(contentsOfFile: out + "/accounts.csv", encoding: .utf8) == "new csv")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out"], "no staging folders left")
        try folder.write("mine.txt", "a user's file")
        #expect { try ResultWriter.write([("result.json", Data())], into: folder.path) } throws: { error in
            (error as? JobError)?.code == .cannotCreateOutput && "\(error)".contains("holds other files")
        }
        #expect(try String(contentsOfFile: folder.path + "/mine.txt", encoding: .utf8) == "a user's file")
        #expect { try ResultWriter.write([("result.json", Data())], into: "/proc/tailgrid-cannot-write/out") } throws: { error in
            (error as? JobError)?.code == .cannotCreateOutput
        }
        // Folders that are not a folder of their own are refused, never reach a trap.
        for odd in [".", "..", "", "/", "a/.", "a/..", "./", "../"] {
            #expect(throws: JobError.self, "\(odd)") { try ResultWriter.write([("result.json", Data())], into: odd) }
        }
    }
}
