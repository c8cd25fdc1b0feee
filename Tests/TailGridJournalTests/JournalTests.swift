import Foundation
import GRDB
import Testing
import TailGridJournal

/// The journal keeps what it was told across a reopen, in order, and refuses folders and
/// databases that are not its own.
@Suite struct JournalTests {
    static func folder() -> String {
        NSTemporaryDirectory() + "tailgrid-journal-\(UUID().uuidString)"
    }

    static func job(_ id: String, sequence: Int = 1) -> JournaledJob {
        JournaledJob(id: id, sequence: sequence, priority: 2, name: "book", path: "jobs/book.yaml", inputSHA256: "ab12",
                     engineVersion: "tailgrid test", jobYAML: Data("name: book\n".utf8), positionsCSV: Data("a,b\n".utf8),
                     inputs: [.init(key: "market:m.yaml", bytes: Data([1, 2, 3])), .init(key: "prices:p.csv", bytes: Data([4]))],
                     pilotFloors: [-.infinity, 1.5, -2.25], scenarios: 100_000, chunkSize: 4096, accountCount: 3,
                     submittedAt: Date(timeIntervalSince1970: 1_790_000_000.25))
    }

    @Test func keepsJobsChunksAndOutcomesAcrossAReopen() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let journal = try Journal(folder: folder)
            try journal.write([.accepted(Self.job("job-a")), .accepted(Self.job("job-b", sequence: 2)),
                               .started(job: "job-a", at: Date(timeIntervalSince1970: 1_790_000_001))])
            journal.append([.chunk(job: "job-a", index: 3, summary: { Data([9, 9]) }),
                            .chunk(job: "job-a", index: 0, summary: { Data([7]) })])
            journal.append([.chunk(job: "job-b", index: 1, summary: { Data([5]) }), .quarantined(name: "liar")])
            try journal.flush()
            try journal.write([.finished(job: "job-b", state: .succeeded, reason: nil, at: Date(timeIntervalSince1970: 1_790_000_009),
                                         json: Data("{}".utf8), csv: Data("x".utf8), auditedChunks: 4, auditMismatches: 1)])
            #expect(journal.statistics.transactions == 3)
            #expect(journal.statistics.chunks == 3)
            #expect(journal.statistics.chunkBytes == 4)
        }
        let journal = try Journal(folder: folder)
        let jobs = try journal.jobs()
        #expect(jobs.map(\.id) == ["job-a", "job-b"])
        var expected = Self.job("job-a")
        expected.startedAt = Date(timeIntervalSince1970: 1_790_000_001)
        #expect(jobs[0] == expected)
        #expect(jobs[1].state == .succeeded)
        #expect(jobs[1].resultJSON == Data("{}".utf8))
        #expect(jobs[1].auditedChunks == 4 && jobs[1].auditMismatches == 1)
        // A finished job keeps its outcome, not its inputs or chunks.
        #expect(jobs[1].inputs.isEmpty && jobs[1].jobYAML.isEmpty && jobs[1].positionsCSV == nil)
        var chunks: [JournaledChunk] = []
        #expect(try journal.chunks(of: "job-a") { chunks.append($0) } == [])
        #expect(chunks.map(\.index) == [0, 3])
        #expect(chunks.map(\.summary) == [Data([7]), Data([9, 9])])
        #expect(try journal.chunks(of: "job-b") { _ in Issue.record("a finished job keeps no chunks") } == [])
        #expect(try journal.quarantinedNames() == ["liar"])
        // A restart drops the chunks and sets the floors; retention forgets the job.
        try journal.write([.restarted(job: "job-a", pilotFloors: nil), .forgotten(job: "job-b")])
        #expect(try journal.chunks(of: "job-a") { _ in Issue.record("restarted: no chunks") } == [])
        #expect(try journal.jobs().map(\.id) == ["job-a"])
        #expect(try journal.jobs()[0].pilotFloors == nil)
    }

    @Test func aSecondCoordinatorOnTheFolderIsRefused() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let first = try Journal(folder: folder)
        #expect(throws: JournalError.self) { try Journal(folder: folder) }
        do {
            _ = try Journal(folder: folder)
        } catch {
            #expect(error.code == .locked)
            #expect(error.message.contains("in use by another coordinator (pid \(getpid())"), "\(error.message)")
        }
        _ = first
    }

    @Test func foreignAndDamagedFoldersAreRefused() throws {
        let root = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        func refusal(_ folder: String) -> JournalError? {
            do {
                _ = try Journal(folder: folder)
                return nil
            } catch {
                return error
            }
        }
        // A folder of other files.
        let other = root + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try Data("hello".utf8).write(to: URL(fileURLWithPath: other + "/notes.txt"))
        #expect(refusal(other)?.code == .foreign)
        #expect(refusal(other)?.message.contains("notes.txt") == true)
        // A file, not a folder.
        #expect(refusal(other + "/notes.txt")?.code == .unusable)
        // Garbage under the journal's name.
        let garbage = root + "/garbage"
        try FileManager.default.createDirectory(atPath: garbage, withIntermediateDirectories: true)
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: garbage + "/journal.sqlite"))
        #expect(refusal(garbage)?.code == .corrupted)
        // Another application's SQLite database.
        let foreign = root + "/foreign"
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        try DatabaseQueue(path: foreign + "/journal.sqlite").write { db in
            try db.execute(sql: "CREATE TABLE accounts (id TEXT)")
        }
        // One attempt, checked whole.
        let foreignRefusal = refusal(foreign)
        #expect(foreignRefusal?.code == .foreign)
        #expect(foreignRefusal?.message.contains("not a TailGrid journal") == true, "\(String(describing: foreignRefusal))")
        // A journal of a newer schema.
        let newer = root + "/newer"
        do { _ = try Journal(folder: newer) }
        try DatabaseQueue(path: newer + "/journal.sqlite").writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA user_version = 3")
        }
        let newerRefusal = refusal(newer)
        #expect(newerRefusal?.code == .foreign)
        #expect(newerRefusal?.message.contains("written by a newer TailGrid") == true, "\(String(describing: newerRefusal))")
    }

    /// A journal of schema 1 (before a job could explain) is migrated when opened: its jobs
    /// read back as not explaining, and a job that explains keeps its flag and, once
    /// finished, its explain.json and contributions.csv.
    @Test func aSchema1JournalIsMigrated() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let journal = try Journal(folder: folder)
            try journal.write([.accepted(Self.job("job-old"))])
        }
        try DatabaseQueue(path: folder + "/journal.sqlite").writeWithoutTransaction { db in
            try db.execute(sql: """
                ALTER TABLE job DROP COLUMN explain;
                ALTER TABLE job DROP COLUMN explain_json;
                ALTER TABLE job DROP COLUMN contributions_csv;
                ALTER TABLE job DROP COLUMN backtest_day;
                ALTER TABLE job DROP COLUMN variant_scenarios;
                PRAGMA user_version = 1;
                """)
        }
        let journal = try Journal(folder: folder)
        #expect(try journal.jobs().map(\.explain) == [false])
        var explained = Self.job("job-new", sequence: 2)
        explained.explain = true
        try journal.write([.accepted(explained),
                           .finished(job: "job-new", state: .succeeded, reason: nil, at: Date(), json: Data("{}".utf8),
                                     csv: Data("a\n".utf8), auditedChunks: 0, auditMismatches: 0,
                                     explanation: (json: Data("{\"accounts\":[]}".utf8), csv: Data("account\n".utf8)))])
        let rows = try journal.jobs()
        #expect(rows.map(\.explain) == [false, true])
        #expect(rows.last?.explainJSON == Data("{\"accounts\":[]}".utf8) && rows.last?.contributionsCSV == Data("account\n".utf8))
        let version = try DatabaseQueue(path: folder + "/journal.sqlite").read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") }
        #expect(version == 2)
    }

    /// A chunk whose bytes changed on disk is reported, not handed out.
    @Test func damagedChunksAreReported() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let journal = try Journal(folder: folder)
            try journal.write([.accepted(Self.job("job-a")),
                               .chunk(job: "job-a", index: 0, summary: { Data([1, 2, 3]) }),
                               .chunk(job: "job-a", index: 1, summary: { Data([4, 5, 6]) })])
        }
        try DatabaseQueue(path: folder + "/journal.sqlite").write { db in
            try db.execute(sql: "UPDATE chunk SET summary = x'040507' WHERE chunk = 1")
        }
        let journal = try Journal(folder: folder)
        var seen: [Int] = []
        #expect(try journal.chunks(of: "job-a") { seen.append($0.index) } == [1])
        #expect(seen == [0])
    }

    /// After a failed write nothing later is written: the journal never holds a change
    /// without the ones before it.
    @Test func aFailedWriteRefusesEveryLaterOne() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let journal = try Journal(folder: folder)
        // A chunk of a job the journal does not hold breaks a foreign key.
        #expect(throws: JournalError.self) {
            try journal.write([.chunk(job: "job-unknown", index: 0, summary: { Data([1]) })])
        }
        do {
            try journal.write([.accepted(Self.job("job-a"))])
            Issue.record("a write after a failure was accepted")
        } catch {
            #expect(error.code == .writeFailed)
        }
    }

    /// Pilot floors come back bit for bit (-infinity and negative zero included).
    @Test func floorsKeepEveryBit() throws {
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let floors: [Double] = [-.infinity, 0, -0.0, 1e-300, 123_456.789, .greatestFiniteMagnitude]
        var job = Self.job("job-a")
        job.pilotFloors = floors
        do { try Journal(folder: folder).write([.accepted(job)]) }
        let decoded = try Journal(folder: folder).jobs().first?.pilotFloors
        #expect(decoded?.map(\.bitPattern) == floors.map(\.bitPattern))
    }
}
