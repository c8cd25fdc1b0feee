import Crypto
import Foundation
import GRDB
import Synchronization

/// A coordinator's durable memory, in `DIR/journal.sqlite` (SQLite through GRDB, WAL,
/// `synchronous = FULL`): accepted jobs with the bytes they were submitted with, every
/// accepted chunk summary (a row each, with its SHA-256), job outcomes and results, and
/// quarantined worker names. A coordinator killed at any moment and started again on
/// the same folder plans its unfinished jobs again and merges their journaled chunks,
/// so only the rest is computed.
///
/// Writes are queued in transition order (`append`, under the coordinator's lock) and
/// written by `flush` (outside it) in that order, one transaction per flush: a chunk's
/// summary is durable before anyone hears that it was merged, a job before its
/// submitter hears its id. After a failed write the journal refuses every later one,
/// so it never holds a later change without an earlier one.
public final class Journal: Sendable {
    /// `PRAGMA application_id` of a TailGrid journal ("TGRJ").
    static let applicationID: Int32 = 0x5447_524A
    /// The schema this build writes and reads.
    /// 2 added a job's `explain` flag, its explain.json and contributions.csv, and its
    /// variant (backtest day, scenario count); a journal of schema 1 is migrated when
    /// opened.
    static let schemaVersion = 2
    static let fileName = "journal.sqlite"
    /// Files a state folder may hold besides the journal's own.
    static let ownFiles: Set<String> = [fileName, fileName + "-wal", fileName + "-shm", "coordinator.lock"]

    public let folder: String
    let database: DatabaseQueue
    let lock: StateFolderLock
    let pending = Mutex<[JournalEntry]>([])
    let writer = Mutex<WriterState>(WriterState())

    struct WriterState {
        var failure: JournalError?
        var statistics = Statistics()
    }

    /// What the journal has written since it was opened.
    public struct Statistics: Sendable, Equatable {
        public var transactions = 0
        public var chunks = 0
        public var chunkBytes = 0
        public var seconds = 0.0
    }

    /// Opens (creating if needed) the journal in `folder`. Refuses a folder another
    /// coordinator holds, a folder of other files, a database that is not a TailGrid
    /// journal or comes from a newer TailGrid, and a damaged one.
    public init(folder: String) throws(JournalError) {
        self.folder = folder
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw JournalError(.unusable, "\(folder) is a file, not a folder; --state takes a folder") }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw JournalError(.unusable, "cannot create the state folder \(folder): \(error.localizedDescription)")
            }
        }
        let contents: [String]
        do { contents = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw JournalError(.unusable, "cannot read the state folder \(folder): \(error.localizedDescription)")
        }
        let others = contents.filter { !Self.ownFiles.contains($0) }.sorted()
        if !contents.contains(Self.fileName) && !others.isEmpty {
            throw JournalError(.foreign, "\(folder) holds other files (\(others.prefix(3).joined(separator: ", "))\(others.count > 3 ? ", ..." : "")) and no TailGrid journal; give a new or empty folder to --state")
        }
        lock = try StateFolderLock(folder: folder)
        let path = folder + "/" + Self.fileName
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.label = "tailgrid.journal"
        configuration.prepareDatabase { db in
            // Every commit reaches the disk before a client hears of it.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.writeWithoutTransaction { db in try Self.prepare(db, path: path) }
        } catch let error as JournalError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            throw JournalError(.corrupted, "\(path) is not a TailGrid journal or is damaged (SQLite: \(error.message ?? "\(error.resultCode)")); move it away to start with an empty journal")
        } catch {
            throw JournalError(.unusable, "cannot open \(path): \(error)")
        }
    }

    /// Creates the schema in a new database; checks an existing one is ours, of a schema
    /// this build reads, and intact.
    static func prepare(_ db: Database, path: String) throws {
        let application = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
        if application == 0 && tables == 0 {
            try db.inTransaction {
                try createSchema(db)
                return .commit
            }
            return
        }
        guard application == applicationID else {
            throw JournalError(.foreign, "\(path) is an SQLite database of something else (application id \(application)), not a TailGrid journal")
        }
        if version == 1 {
            try db.inTransaction {
                try migrateToSchema2(db)
                return .commit
            }
            return try prepare(db, path: path)
        }
        guard version == schemaVersion else {
            throw JournalError(.foreign, "\(path) is a TailGrid journal of schema \(version); this build reads schema \(schemaVersion)\(version > schemaVersion ? " (it was written by a newer TailGrid)" : "")")
        }
        let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
        guard check == ["ok"] else {
            throw JournalError(.corrupted, "\(path) is damaged (SQLite quick_check: \(check.prefix(3).joined(separator: "; "))); move it away to start with an empty journal")
        }
    }

    /// Schema 1 to 2: a job's explain flag and explanation files, and its variant.
    static func migrateToSchema2(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE job ADD COLUMN explain INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE job ADD COLUMN explain_json BLOB;
            ALTER TABLE job ADD COLUMN contributions_csv BLOB;
            ALTER TABLE job ADD COLUMN backtest_day INTEGER;
            ALTER TABLE job ADD COLUMN variant_scenarios INTEGER;
            PRAGMA user_version = 2;
            """)
    }

    static func createSchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE job (
                id TEXT PRIMARY KEY NOT NULL,
                sequence INTEGER NOT NULL,
                priority INTEGER NOT NULL,
                name TEXT NOT NULL,
                path TEXT NOT NULL,
                input_sha256 TEXT NOT NULL,
                engine_version TEXT NOT NULL,
                job_yaml BLOB NOT NULL,
                positions_csv BLOB,
                pilot_floors BLOB,
                scenarios INTEGER NOT NULL,
                chunk_size INTEGER NOT NULL,
                account_count INTEGER NOT NULL,
                submitted_at REAL NOT NULL,
                started_at REAL,
                finished_at REAL,
                state TEXT NOT NULL,
                reason TEXT,
                result_json BLOB,
                result_csv BLOB,
                audited_chunks INTEGER NOT NULL DEFAULT 0,
                audit_mismatches INTEGER NOT NULL DEFAULT 0,
                idempotency_key TEXT,
                explain INTEGER NOT NULL DEFAULT 0,
                explain_json BLOB,
                contributions_csv BLOB,
                backtest_day INTEGER,
                variant_scenarios INTEGER
            );
            CREATE TABLE job_input (
                job TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                key TEXT NOT NULL,
                bytes BLOB NOT NULL,
                PRIMARY KEY (job, position)
            );
            CREATE TABLE chunk (
                job TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE,
                chunk INTEGER NOT NULL,
                summary BLOB NOT NULL,
                sha256 BLOB NOT NULL,
                PRIMARY KEY (job, chunk)
            );
            CREATE TABLE quarantine (name TEXT PRIMARY KEY NOT NULL);
            PRAGMA application_id = \(applicationID);
            PRAGMA user_version = \(schemaVersion);
            """)
    }

    // MARK: Writing

    /// Queues entries, in order, for the next `flush`. Cheap: call it under a lock.
    public func append(_ entries: [JournalEntry]) {
        guard !entries.isEmpty else { return }
        pending.withLock { $0.append(contentsOf: entries) }
    }

    /// Writes every queued entry, in order, in one transaction; when it returns, whatever
    /// was queued before the call is on disk (written by this call or an earlier one).
    public func flush() throws(JournalError) {
        try writer.withLock { state throws(JournalError) in
            let entries = pending.withLock { queued in
                defer { queued.removeAll() }
                return queued
            }
            if let failure = state.failure { throw failure }
            guard !entries.isEmpty else { return }
            let start = ContinuousClock.now
            var chunkBytes = 0
            var chunks = 0
            do {
                try database.write { db in
                    for entry in entries {
                        chunkBytes += try Self.apply(entry, db)
                        if case .chunk = entry { chunks += 1 }
                    }
                }
            } catch {
                let failure = JournalError(.writeFailed, "writing the journal \(folder)/\(Self.fileName) failed: \(error)")
                state.failure = failure
                throw failure
            }
            state.statistics.transactions += 1
            state.statistics.chunks += chunks
            state.statistics.chunkBytes += chunkBytes
            state.statistics.seconds += (ContinuousClock.now - start) / .seconds(1)
        }
    }

    /// `append` then `flush`.
    public func write(_ entries: [JournalEntry]) throws(JournalError) {
        append(entries)
        try flush()
    }

    public var statistics: Statistics { writer.withLock { $0.statistics } }

    /// Writes one entry; returns the bytes of chunk summary it wrote.
    static func apply(_ entry: JournalEntry, _ db: Database) throws -> Int {
        switch entry {
        case .accepted(let job):
            try db.execute(sql: """
                INSERT INTO job (id, sequence, priority, name, path, input_sha256, engine_version, job_yaml, positions_csv,
                                 pilot_floors, scenarios, chunk_size, account_count, submitted_at, started_at, finished_at,
                                 state, reason, result_json, result_csv, audited_chunks, audit_mismatches, idempotency_key,
                                 explain, explain_json, contributions_csv, backtest_day, variant_scenarios)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [job.id, job.sequence, job.priority, job.name, job.path, job.inputSHA256, job.engineVersion,
                                 job.jobYAML, job.positionsCSV, job.pilotFloors.map(FloorCoding.encode), job.scenarios,
                                 job.chunkSize, job.accountCount, job.submittedAt.timeIntervalSince1970,
                                 job.startedAt?.timeIntervalSince1970, job.finishedAt?.timeIntervalSince1970,
                                 job.state.rawValue, job.reason, job.resultJSON, job.resultCSV, job.auditedChunks,
                                 job.auditMismatches, job.idempotencyKey, job.explain ? 1 : 0, job.explainJSON,
                                 job.contributionsCSV, job.backtestDay, job.variantScenarios])
            for (position, input) in job.inputs.enumerated() {
                try db.execute(sql: "INSERT INTO job_input (job, position, key, bytes) VALUES (?, ?, ?, ?)",
                               arguments: [job.id, position, input.key, input.bytes])
            }
        case .started(let job, let at):
            try db.execute(sql: "UPDATE job SET started_at = ? WHERE id = ?", arguments: [at.timeIntervalSince1970, job])
        case .chunk(let job, let index, let encode):
            let summary = encode()
            try db.execute(sql: "INSERT OR REPLACE INTO chunk (job, chunk, summary, sha256) VALUES (?, ?, ?, ?)",
                           arguments: [job, index, summary, Data(SHA256.hash(data: summary))])
            return summary.count
        case .chunkDiscarded(let job, let index):
            try db.execute(sql: "DELETE FROM chunk WHERE job = ? AND chunk = ?", arguments: [job, index])
        case .restarted(let job, let pilotFloors):
            try db.execute(sql: "DELETE FROM chunk WHERE job = ?", arguments: [job])
            try db.execute(sql: "UPDATE job SET pilot_floors = ? WHERE id = ?", arguments: [pilotFloors.map(FloorCoding.encode), job])
        case .finished(let job, let state, let reason, let at, let json, let csv, let audited, let mismatches, let explanation):
            try db.execute(sql: """
                UPDATE job SET state = ?, reason = ?, finished_at = ?, result_json = ?, result_csv = ?, audited_chunks = ?,
                               audit_mismatches = ?, explain_json = ?, contributions_csv = ?, job_yaml = x'',
                               positions_csv = NULL, pilot_floors = NULL
                WHERE id = ?
                """, arguments: [state.rawValue, reason, at.timeIntervalSince1970, json, csv, audited, mismatches,
                                 explanation?.json, explanation?.csv, job])
            try db.execute(sql: "DELETE FROM chunk WHERE job = ?", arguments: [job])
            try db.execute(sql: "DELETE FROM job_input WHERE job = ?", arguments: [job])
        case .forgotten(let job):
            try db.execute(sql: "DELETE FROM job WHERE id = ?", arguments: [job])
        case .quarantined(let name):
            try db.execute(sql: "INSERT OR IGNORE INTO quarantine (name) VALUES (?)", arguments: [name])
        }
        return 0
    }

    // MARK: Reading

    /// Every job, in submission order. A row the schema's constraints cannot explain (a
    /// state this build does not know) is refused as damage.
    public func jobs() throws(JournalError) -> [JournaledJob] {
        try read { db in
            var inputs: [String: [JournaledJob.Input]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT job, key, bytes FROM job_input ORDER BY job, position") {
                inputs[(try row.decode(forColumn: "job")), default: []].append(JournaledJob.Input(key: (try row.decode(forColumn: "key")), bytes: (try row.decode(forColumn: "bytes"))))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM job ORDER BY sequence").map { row in
                let id: String = (try row.decode(forColumn: "id"))
                guard let state = JournaledJob.State(rawValue: (try row.decode(forColumn: "state"))) else {
                    throw JournalError(.corrupted, "\(self.folder)/\(Self.fileName): job \(id) has the state '\((try row.decode(forColumn: "state")) as String? ?? "?")'")
                }
                let floors: Data? = (try row.decode(forColumn: "pilot_floors"))
                var pilotFloors: [Double]?
                if let floors {
                    guard let decoded = FloorCoding.decode(floors) else {
                        throw JournalError(.corrupted, "\(self.folder)/\(Self.fileName): job \(id) has pilot floors of \(floors.count) bytes")
                    }
                    pilotFloors = decoded
                }
                return JournaledJob(
                    id: id, sequence: (try row.decode(forColumn: "sequence")), priority: (try row.decode(forColumn: "priority")), name: (try row.decode(forColumn: "name")), path: (try row.decode(forColumn: "path")),
                    inputSHA256: (try row.decode(forColumn: "input_sha256")), engineVersion: (try row.decode(forColumn: "engine_version")), jobYAML: (try row.decode(forColumn: "job_yaml")),
                    positionsCSV: (try row.decode(forColumn: "positions_csv")), inputs: inputs[id] ?? [], pilotFloors: pilotFloors,
                    scenarios: (try row.decode(forColumn: "scenarios")), chunkSize: (try row.decode(forColumn: "chunk_size")), accountCount: (try row.decode(forColumn: "account_count")),
                    submittedAt: Date(timeIntervalSince1970: (try row.decode(forColumn: "submitted_at"))),
                    startedAt: ((try row.decode(forColumn: "started_at")) as Double?).map(Date.init(timeIntervalSince1970:)),
                    finishedAt: ((try row.decode(forColumn: "finished_at")) as Double?).map(Date.init(timeIntervalSince1970:)),
                    state: state, reason: (try row.decode(forColumn: "reason")), resultJSON: (try row.decode(forColumn: "result_json")), resultCSV: (try row.decode(forColumn: "result_csv")),
                    auditedChunks: (try row.decode(forColumn: "audited_chunks")), auditMismatches: (try row.decode(forColumn: "audit_mismatches")),
                    idempotencyKey: (try row.decode(forColumn: "idempotency_key")),
                    explain: ((try row.decode(forColumn: "explain")) as Int) != 0,
                    explainJSON: (try row.decode(forColumn: "explain_json")),
                    contributionsCSV: (try row.decode(forColumn: "contributions_csv")),
                    backtestDay: (try row.decode(forColumn: "backtest_day")),
                    variantScenarios: (try row.decode(forColumn: "variant_scenarios")))
            }
        }
    }

    /// Calls `body` with each chunk of `job` whose bytes still match their SHA-256, in
    /// chunk order, one at a time (a large job's chunks need not fit in memory together);
    /// returns the indices of those that do not (damaged: compute them again).
    public func chunks(of job: String, _ body: (JournaledChunk) throws -> Void) throws -> [Int] {
        var damaged: [Int] = []
        try database.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT chunk, summary, sha256 FROM chunk WHERE job = ? ORDER BY chunk", arguments: [job])
            while let row = try rows.next() {
                let index: Int = (try row.decode(forColumn: "chunk"))
                let summary: Data = (try row.decode(forColumn: "summary"))
                let digest: Data = (try row.decode(forColumn: "sha256"))
                guard Data(SHA256.hash(data: summary)) == digest else {
                    damaged.append(index)
                    continue
                }
                try body(JournaledChunk(job: job, index: index, summary: summary))
            }
        }
        return damaged
    }

    public func quarantinedNames() throws(JournalError) -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT name FROM quarantine ORDER BY name") }
    }

    func read<T>(_ body: (Database) throws -> T) throws(JournalError) -> T {
        do {
            return try database.read(body)
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError(.corrupted, "reading the journal \(folder)/\(Self.fileName) failed: \(error)")
        }
    }
}

/// Admission floors as little-endian IEEE-754 bit patterns, 8 bytes each (-infinity
/// included).
enum FloorCoding {
    static func encode(_ floors: [Double]) -> Data {
        var data = Data(capacity: floors.count * 8)
        for floor in floors {
            withUnsafeBytes(of: floor.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    static func decode(_ data: Data) -> [Double]? {
        guard data.count % 8 == 0 else { return nil }
        return stride(from: 0, to: data.count, by: 8).map { offset in
            var bits: UInt64 = 0
            for byte in 0..<8 { bits |= UInt64(data[data.startIndex + offset + byte]) << (8 * byte) }
            return Double(bitPattern: bits)
        }
    }
}
