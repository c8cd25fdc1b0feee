import Foundation
import Testing
import TailGridJob
import TailGridTestSupport

/// The shipped end-of-day FHS job, run as an operator would: with the price folder given
/// on the command line, locally and on worker processes (which receive the market and
/// price files with the job), and refused cleanly without it.
@Suite struct CalibratedJobTests {
    static func decode(_ folder: URL) throws -> ResultDocument {
        try JSONDecoder().decode(ResultDocument.self, from: Data(contentsOf: folder.appendingPathComponent("result.json")))
    }

    @Test func endOfDayFHSJobRunsLocallyAndOnWorkersAlike() async throws {
        var bodies: [String] = []
        for workers in ["0", "2"] {
            let out = TailGridProcess.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: out) }
            let outcome = try await TailGridProcess.run(["run", "jobs/eod-fhs.yaml", "--data-dir", SharedPriceData.folder.path,
                                                   "--out", out.path, "--workers", workers, "--quiet"])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            let document = try Self.decode(out)
            let calibration = try #require(document.calibration)
            #expect(calibration.window == ["2023-02-01", "2025-02-19"])
            #expect(calibration.fhs?.blocks == 749)
            #expect(document.model.hasPrefix("fhs("))
            #expect(document.pathSteps == 2)
            #expect(document.accounts.allSatisfy { $0.initialMargin > 0 })
            bodies.append(ResultText.comparable(try Data(contentsOf: out.appendingPathComponent("result.json"))))
        }
        #expect(bodies[0] == bodies[1], "bit-identical on 2 worker processes")
    }

    @Test func withoutItsPriceFolderTheJobExits66NamingTheFile() async throws {
        let out = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let outcome = try await TailGridProcess.run(["run", "jobs/eod-fhs.yaml", "--out", out.path])
        #expect(outcome.status == 66)
        #expect(outcome.standardError.contains("BTC-USD.csv"), "\(outcome.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
