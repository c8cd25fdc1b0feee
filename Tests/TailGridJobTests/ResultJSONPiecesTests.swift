import Foundation
import Testing
import TailGridEngine
import TailGridJob
import TailGridTestSupport

/// result.json encoded in runs of accounts and stitched (`ResultJSONPieces`) is the
/// document JSONEncoder writes, byte for byte: with no account, one, fewer accounts than
/// runs, and many in uneven runs; written to a file as its pieces; and encoded whole when
/// a piece is not what the stitching expects. accounts.csv of the same documents is
/// its oracle's (`AccountsCSVOracle`).
@Suite("Result JSON pieces")
struct ResultJSONPiecesTests {
    /// A real result (the Deribit grid job, every account explained so that optional
    /// parts are filled), its accounts repeated to `count` with ids of their own.
    static func document(accounts count: Int) throws -> ResultDocument {
        let path = TailGridExecutable.repositoryRoot.appendingPathComponent("jobs/deribit-grid.yaml").path
        let loaded = try JobFile.load(path: path)
        let result = try LocalRunner(plan: try EnginePlan(loaded.engineJob), threads: 2).run()
        var document = ResultDocument(job: loaded, result: result, elapsedSeconds: 2.5)
        let accounts = document.accounts
        document.accounts = (0..<count).map { index in
            var account = accounts[index % accounts.count]
            account.id = "\(index % 3 == 0 ? "=" : "")\(account.id)-\(index), \"quoted\" \\ é"
            return account
        }
        return document
    }

    static func oracle(_ document: ResultDocument) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document) + Data("\n".utf8)
    }

    static func stitched(_ pieces: ResultJSONPieces) throws -> [Data] {
        try pieces.pieces((0..<pieces.taskCount).map { try pieces.encode(task: $0) })
    }

    @Test(arguments: [0, 1, 2, 3, 7, 301])
    func piecesAreTheWholeDocument(accounts: Int) throws {
        let document = try Self.document(accounts: accounts)
        let expected = try Self.oracle(document)
        #expect(try ResultWriter.jsonData(document) == expected)
        // accounts.csv of the same accounts (ids with commas, quotes and formula signs).
        let labels = document.confidenceLabels
        #expect(String(decoding: ResultWriter.csvData(document, labels: labels), as: UTF8.self) == AccountsCSVOracle.csv(document, labels: labels))
        for runs in [1, 2, 3, 4, 8] {
            let split = ResultJSONPieces(document: document, runs: runs, minimumRun: 1)
            #expect(split.runs.count == min(runs, accounts), "\(runs) runs of \(accounts)")
            #expect(split.runs.map(\.count).reduce(0, +) == accounts)
            let pieces = try Self.stitched(split)
            #expect(Data(pieces.joined()) == expected, "\(accounts) accounts in \(runs) runs")
        }
    }

    /// A small document is one run; a large one as many as asked, none below the minimum.
    @Test func runsKeepTheirMinimum() throws {
        let document = try Self.document(accounts: 1_000)
        #expect(ResultJSONPieces(document: document, runs: 4).runs.count == 3)
        #expect(ResultJSONPieces(document: document, runs: 4, minimumRun: 100).runs == [0..<250, 250..<500, 500..<750, 750..<1_000])
        #expect(ResultJSONPieces(document: try Self.document(accounts: 100), runs: 4).runs == [0..<100])
    }

    /// Pieces that do not stitch (a run without its brackets, a shell not beginning with
    /// the accounts) give the document encoded whole.
    @Test func unexpectedPiecesFallBackToTheWholeDocument() throws {
        let document = try Self.document(accounts: 5)
        let expected = try Self.oracle(document)
        let split = ResultJSONPieces(document: document, runs: 2, minimumRun: 1)
        let encoded = try (0..<split.taskCount).map { try split.encode(task: $0) }
        var unbracketed = encoded
        unbracketed[0] = Data(unbracketed[0].dropLast(2))
        #expect(Data(try split.pieces(unbracketed).joined()) == expected)
        var shell = encoded
        shell[shell.count - 1] = Data("{\n  \"aardvark\" : 1,\n".utf8) + shell[shell.count - 1].dropFirst(2)
        #expect(Data(try split.pieces(shell).joined()) == expected)
        #expect(throws: JobError.self) { try split.pieces(Array(encoded.dropLast())) }
    }

    /// Written as pieces, the file holds them one after another.
    @Test func piecesAreWrittenInOrder() throws {
        let document = try Self.document(accounts: 40)
        let pieces = try Self.stitched(ResultJSONPieces(document: document, runs: 3, minimumRun: 1))
        #expect(pieces.count > 3)
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tailgrid-pieces-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out").path
        try ResultWriter.write(pieces: [("result.json", pieces), ("accounts.csv", [Data(), Data("a,b\n".utf8), Data()])], into: out)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/result.json")) == (try Self.oracle(document)))
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/accounts.csv")) == Data("a,b\n".utf8))
    }
}
