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
}
