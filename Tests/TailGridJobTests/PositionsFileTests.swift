import Foundation
import Testing
import TailGridJob
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
}
