import Foundation
import Testing
import TailGridJob
import TailGridMarket
import TailGridTestSupport

@Suite("Positions file")
struct PositionsFileTests {
    func job(with csv: String?, reference: String = "positions.csv") throws -> (JobFolder, String) {
        let folder = try JobFolder()
        if let csv { try folder.write("positions.csv", csv) }
        let text = JobFolder.valid.replacingOccurrences(of: "accounts:\n", with: "positions_file: \(reference)\naccounts:\n")
        return (folder, try folder.write("job.yaml", text))
    }

    @Test func rowsAreAddedToTheirAccounts() throws {
        let (folder, path) = try job(with: "account,instrument,quantity\n\nbob,ETH-28MAR25-2500-P,5\nbob,ETH-28MAR25-2500-P,2.5\nalice,BTC,-0.5\n")
        defer { folder.remove() }
        let loaded = try JobFile.load(path: path)
        #expect(loaded.engineJob.accounts[1].positions.count == 3)
        #expect(loaded.engineJob.accounts[0].positions.count == 3)
        let plain = try JobFile.load(path: try folder.write("plain.yaml", JobFolder.valid))
        #expect(loaded.inputSHA256 != plain.inputSHA256, "the positions file is part of the input hash")
    }

    @Test(arguments: [
        ("account,instrument,qty\n", 1, "header"),
        ("account,instrument,quantity\nbob,ETH-28MAR25,1\nzed,BTC,1\n", 3, "'zed' is not declared"),
        ("account,instrument,quantity\nbob,ETH-28MAR25-25OO-P,1\n", 2, "not a positive strike"),
        ("account,instrument,quantity\nbob,ETH,1,2\n", 2, "3 fields"),
        ("account,instrument,quantity\nbob,ETH,lots\n", 2, "not a number"),
        // Broken CSV (RFC 4180) and magnitudes beyond the bounds.
        ("account,instrument,quantity\nbob,\"ETH\n", 2, "never closed"),
        ("account,instrument,quantity\nbob,ETH\"x\",1\n", 2, "quote inside an unquoted field"),
        ("account,instrument,quantity\n\"bob\"x,ETH,1\n", 2, "after the closing quote"),
        ("account,instrument,quantity\nbob,ETH,1e14\n", 2, "beyond the limit"),
        ("account,instrument,quantity\nbob,ETH-28MAR25,nan\n", 2, "not a number"),
        ("account,instrument,quantity\nbob,ETH-28MAR25,inf\n", 2, "not a number"),
        ("account,instrument,quantity\r\nbob,ETH-28MAR25,1e300\r\n", 2, "beyond the limit"),
        // The fast decimal path's edges: nothing, a sign alone, a negative beyond the bounds.
        ("account,instrument,quantity\nbob,ETH-28MAR25,\n", 2, "not a number"),
        ("account,instrument,quantity\nbob,ETH-28MAR25,-\n", 2, "not a number"),
        ("account,instrument,quantity\nbob,ETH-28MAR25,-1e308\n", 2, "beyond the limit"),
        ("account,instrument,quantity\nbob,ETH-28MAR25,-NaN\n", 2, "not a number"),
    ])
    func badRowNamesFileAndLine(csv: String, line: Int, says: String) throws {
        let (folder, path) = try job(with: csv)
        defer { folder.remove() }
        do {
            _ = try JobFile.load(path: path)
            Issue.record("loaded a bad positions file")
        } catch {
            #expect(error.code == .data)
            #expect(error.description.hasPrefix("positions.csv:\(line): "), "\(error)")
            #expect(error.description.contains(says), "\(error)")
        }
    }

    /// A 100 MB quantity (past the fast path's 15 digits, then read by `Double(_:)` as
    /// infinity) is refused as data at its line, and the message quotes at most 60 of its
    /// characters.
    @Test func aHundredMegabyteQuantityIsRefusedWithoutBeingEchoed() throws {
        let (folder, path) = try job(with: "account,instrument,quantity\nbob,ETH-28MAR25," + String(repeating: "9", count: 100 << 20) + "\n")
        defer { folder.remove() }
        #expect {
            try JobFile.load(path: path)
        } throws: { error in
            guard let error = error as? JobError else { return false }
            return error.exitCode == 65 && error.description.hasPrefix("positions.csv:2: ") && error.description.contains("is not a number")
                && error.description.count < 200
        }
    }

    @Test func missingPositionsFileIsMissingInput() throws {
        let (folder, path) = try job(with: nil)
        defer { folder.remove() }
        do {
            _ = try JobFile.load(path: path)
            Issue.record("loaded without its positions file")
        } catch {
            #expect(error.code == .missingInput)
            #expect(error.field == "positions_file")
        }
    }

    /// Quantities are read by an exact fast path when they are plain decimals, and by
    /// `Double(_:)` otherwise: either way the bits `Double(_:)` gives for the text. Names
    /// and ids in quotes, with blanks around them or after a row of another account take
    /// the string paths; every row lands where it says, in order.
    @Test func quantitiesAndNamesReadAsTheirText() throws {
        var generator = SystemRandomNumberGenerator()
        var texts = ["0", "-0", "7", "-12.5", "0.25", "000.0100", "123456789012345", "-999999999999999",
                     "12345678901234.5", "1234567890123456", "0.1234567890123456", "1e3", "2E-2", "+5", ".5", "5.",
                     "  42", "3.  ", "0.000000000000001", "-0.000000000000000001", "1_0"]
        for _ in 0..<300 {
            let digits = Int.random(in: 1...17, using: &generator)
            var text = String((0..<digits).map { _ in "0123456789".randomElement(using: &generator)! })
            if Bool.random(using: &generator) { text.insert(".", at: text.index(text.startIndex, offsetBy: Int.random(in: 0...digits, using: &generator))) }
            if Bool.random(using: &generator) { text = "-" + text }
            texts.append(text)
        }
        let readable = texts.filter { Double($0.trimmingCharacters(in: .whitespaces)).map { $0.isFinite && abs($0) < 1e9 } ?? false }
        #expect(readable.count > 200)
        let spellings = ["bob", "\"bob\"", " bob ", "bob"]
        let instruments = ["ETH-28MAR25-2500-P", "\"ETH-28MAR25-2500-P\"", "ETH-28MAR25-2500-P "]
        var csv = "account,instrument,quantity\n"
        for (index, text) in readable.enumerated() {
            csv += "\(spellings[index % 4]),\(index % 5 == 0 ? "ETH" : instruments[index % 3]),\(text.contains(" ") ? "\"\(text)\"" : text)\n"
            if index % 50 == 0 { csv += "alice,ETH,1\n# a comment\n" }
        }
        let (folder, path) = try job(with: csv)
        defer { folder.remove() }
        let bob = try JobFile.load(path: path).engineJob.accounts[1]
        let added = Array(bob.positions.dropFirst())
        #expect(added.count == readable.count)
        for (position, text) in zip(added, readable) {
            let expected = Double(text.trimmingCharacters(in: .whitespaces))!
            #expect(position.quantity.bitPattern == expected.bitPattern, "'\(text)' read as \(position.quantity)")
        }
        #expect(added.enumerated().allSatisfy { $1.instrument.name == ($0 % 5 == 0 ? "ETH" : "ETH-28MAR25-2500-P") })
    }

    /// The ways to write the reference: a plain value (the file is read and scanned while
    /// the YAML is parsed, `PositionsPrefetch`), with a comment after it, and quoted (read
    /// after decoding): the same accounts and the same first problem either way.
    static let references = ["positions.csv", "positions.csv   # the book", "\"positions.csv\""]

    /// Each row's account, then its instrument, then its quantity, then its limits, and
    /// rows in file order: the first problem is the one reading the file row by row meets,
    /// whatever check finds it (the scan that needs no job, or the one against the job).
    @Test(arguments: [
        ("account,instrument,quantity\nbob,ETH-28MAR25,1\nzed,BTC,lots\n", 3, "'zed' is not declared"),
        ("account,instrument,quantity\nbob,ETH-28MAR25-25OO-P,lots\n", 2, "not a positive strike"),
        ("account,instrument,quantity\nbob,ETH,lots\nzed,BTC,1\n", 2, "not a number"),
        ("account,instrument,quantity\nbob,ETH,1\nzed,BTC,1\nbob,\"ETH\n", 3, "'zed' is not declared"),
        ("account,instrument,quantity\nbob,\"ETH\"x,1\nzed,BTC,1\n", 2, "after the closing quote"),
        ("account,instrument,quantity\nbob,ETH,1e14\nzed,BTC,1\n", 2, "beyond the limit"),
        ("account,instrument,quantity\nbob,ETH-28MAR25-25OO-P,1\nbob,ETH-28MAR25-25OO-P,1,2\n", 2, "not a positive strike"),
        ("account,instrument,quantity\nbob,ETH,1\nbob,ETH,1,2\nzed,BTC,1\n", 3, "3 fields"),
        ("# only a comment\n", nil, "has no header"),
    ] as [(String, Int?, String)])
    func theFirstProblemInTheFileIsTheOneReported(csv: String, line: Int?, says: String) throws {
        for reference in Self.references {
            let (folder, path) = try job(with: csv, reference: reference)
            defer { folder.remove() }
            #expect {
                try JobFile.load(path: path)
            } throws: { error in
                guard let error = error as? JobError else { return false }
                let location = line.map { "positions.csv:\($0): " } ?? "positions.csv: "
                return error.code == .data && error.description.hasPrefix(location) && error.description.contains(says)
            }
        }
    }

    /// A file of many rows, accounts interleaved, quoted names and blank and comment
    /// lines among them: every way of writing the reference adds the same positions in
    /// the same order.
    @Test func everyWayOfWritingTheReferenceAddsTheSamePositions() throws {
        var csv = "# generated\naccount,instrument,quantity\n"
        for row in 0..<3_000 {
            let account = row % 7 < 4 ? "bob" : "\"alice\""
            let instrument = ["ETH-28MAR25", "\"BTC-PERPETUAL\"", "ETH-28MAR25-2500-P", "BTC"][row % 4]
            csv += "\(account),\(instrument),\(Double(row % 97) - 48.5)\n"
            if row % 500 == 0 { csv += "\n# a comment\n" }
        }
        var loaded: [[Account]] = []
        for reference in Self.references {
            let (folder, path) = try job(with: csv, reference: reference)
            defer { folder.remove() }
            loaded.append(try JobFile.load(path: path).engineJob.accounts)
        }
        #expect(loaded[0][1].positions.count == 1 + (0..<3_000).filter { $0 % 7 < 4 }.count)
        #expect(loaded[0][0].positions.count + loaded[0][1].positions.count == 3 + 3_000)
        #expect(loaded[1] == loaded[0])
        #expect(loaded[2] == loaded[0])
    }

    /// The look at the job's text that starts the positions file's read early is a hint:
    /// here it sees 'positions_file: real' where YAML folds the next line into the value
    /// ('real .csv'). The file the decoded job names is the one read; the other one, whose
    /// rows name an undeclared account, changes nothing.
    @Test func theFileReadIsTheOneTheDecodedJobNames() throws {
        let folder = try JobFolder()
        defer { folder.remove() }
        _ = try folder.write("real .csv", "account,instrument,quantity\nbob,ETH-28MAR25,5\n")
        _ = try folder.write("real", "account,instrument,quantity\nzed,ETH-28MAR25,7\n")
        let text = JobFolder.valid.replacingOccurrences(of: "accounts:\n", with: "positions_file: real\n  .csv\naccounts:\n")
        let bob = try JobFile.load(path: try folder.write("job.yaml", text)).engineJob.accounts[1]
        #expect(bob.positions.map(\.quantity) == [10000, 5])
    }

    /// A `positions_file` line with 10 MB of blanks before its value is looked at once (the
    /// look trimmed them one at a time from the front of a copy: quadratic, hours) and the
    /// job loads its positions.
    @Test func aPositionsFileLineOfTenMegabytesOfBlanksLoads() throws {
        let (folder, path) = try job(with: "account,instrument,quantity\nbob,ETH-28MAR25,5\n",
                                     reference: String(repeating: " ", count: 10 << 20) + "positions.csv")
        defer { folder.remove() }
        let bob = try JobFile.load(path: path).engineJob.accounts[1]
        #expect(bob.positions.map(\.quantity) == [10000, 5])
    }

    /// A job whose YAML is wrong says so, whatever the positions file it names holds (it
    /// may have been read already).
    @Test func aJobThatDoesNotDecodeReportsItsOwnProblem() throws {
        let (folder, path) = try job(with: "account,instrument,quantity\nzed,BTC,lots\n")
        defer { folder.remove() }
        let broken = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "seed: 7", with: "seed: seven")
        _ = try folder.write("job.yaml", broken)
        #expect {
            try JobFile.load(path: path)
        } throws: { error in
            guard let error = error as? JobError else { return false }
            return error.description.hasPrefix("\(path): seed") || error.description.contains("seed")
        }
    }
}
