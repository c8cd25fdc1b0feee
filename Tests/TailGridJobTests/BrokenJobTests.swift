import Foundation
import Testing
import TailGridEngine
import TailGridJob
import TailGridTestSupport

@Suite("Job files: what is accepted and what is refused")
struct BrokenJobTests {
    @Test func validJobLoads() throws {
        let folder = try JobFolder()
        defer { folder.remove() }
        let loaded = try JobFile.load(path: try folder.write("job.yaml", JobFolder.valid))
        #expect(loaded.engineJob.name == "small")
        #expect(loaded.confidenceLabels == ["0.99", "0.975"])
        #expect(loaded.engineJob.accounts.map(\.id) == ["alice", "bob"])
        #expect(loaded.engineJob.accounts[0].positions.count == 2)
        #expect(loaded.inputSHA256.count == 64)
        _ = try EnginePlan(loaded.engineJob)
    }

    struct Breakage: Sendable, CustomStringConvertible {
        let what: String
        let replace: String
        let with: String
        let field: String
        let says: String
        var description: String { what }
    }

    /// Each row breaks the valid job one way; the error must be "bad data" (65) and name
    /// the field and what was expected.
    static let breakages: [Breakage] = [
        Breakage(what: "unknown top-level key", replace: "seed: 7", with: "seed: 7\nseeds: 8",
                 field: "seeds", says: "unknown key 'seeds'"),
        Breakage(what: "missing seed", replace: "seed: 7\n", with: "", field: "seed", says: "missing required key 'seed'"),
        Breakage(what: "negative seed", replace: "seed: 7", with: "seed: -7", field: "seed", says: "whole number"),
        Breakage(what: "zero scenarios", replace: "scenarios: 2000", with: "scenarios: 0", field: "scenarios", says: "from 1"),
        Breakage(what: "text scenarios", replace: "scenarios: 2000", with: "scenarios: many", field: "scenarios", says: "whole number"),
        Breakage(what: "confidence above one", replace: "[0.99, 0.975]", with: "[0.99, 1.5]", field: "confidence[1]",
                 says: "confidence level in (0, 1)"),
        Breakage(what: "confidence twice", replace: "[0.99, 0.975]", with: "[0.99, 0.99]", field: "confidence[1]", says: "twice"),
        Breakage(what: "bad valuation time", replace: "2025-02-20T08:00:00Z", with: "20 Feb 2025", field: "valuation_time",
                 says: "ISO 8601"),
        Breakage(what: "negative horizon", replace: "horizon_days: 2", with: "horizon_days: -1", field: "horizon_days", says: "(0, 365)"),
        Breakage(what: "unknown model", replace: "kind: gaussian", with: "kind: cauchy", field: "model.kind", says: "gaussian, student_t or fhs"),
        Breakage(what: "student_t without dof", replace: "kind: gaussian", with: "kind: student_t", field: "model.dof",
                 says: "missing required key 'dof'"),
        Breakage(what: "student_t dof 2", replace: "{ kind: gaussian }", with: "{ kind: student_t, dof: 2 }", field: "model.dof",
                 says: "(2, 1000)"),
        Breakage(what: "negative spot", replace: "spot: 2719", with: "spot: -2719", field: "market.underlyings.ETH.spot",
                 says: "positive"),
        Breakage(what: "vol in percent", replace: "vol: 0.70", with: "vol: 70", field: "market.underlyings.ETH.vol", says: "(0, 20)"),
        Breakage(what: "unknown underlying key", replace: "vol: 0.70 }", with: "vol: 0.70, beta: 1 }",
                 field: "market.underlyings.ETH.beta", says: "unknown key 'beta'"),
        Breakage(what: "unknown factor", replace: "factors: [BTC, ETH, BTC.vol]", with: "factors: [BTC, ETH, SOL]",
                 field: "market.correlation.factors[2]", says: "'SOL' is not a factor"),
        Breakage(what: "vol factor without vol of vol", replace: "factors: [BTC, ETH, BTC.vol]", with: "factors: [BTC, ETH, ETH.vol]",
                 field: "market.correlation.factors[2]", says: "vol_of_vol"),
        Breakage(what: "short matrix row", replace: "[0.8, 1.0, -0.1]", with: "[0.8, 1.0]", field: "market.correlation.matrix[1]",
                 says: "expected 3 entries"),
        Breakage(what: "asymmetric matrix", replace: "[0.8, 1.0, -0.1]", with: "[0.7, 1.0, -0.1]", field: "market.correlation.matrix",
                 says: "not symmetric"),
        Breakage(what: "diagonal not one", replace: "[-0.2, -0.1, 1.0]]", with: "[-0.2, -0.1, 0.9]]", field: "market.correlation.matrix",
                 says: "expected 1"),
        Breakage(what: "entry out of range", replace: "[[1.0, 0.8, -0.2], [0.8, 1.0, -0.1]", with: "[[1.0, 8.0, -0.2], [8.0, 1.0, -0.1]",
                 field: "market.correlation.matrix", says: "[-1, 1]"),
        Breakage(what: "not positive semi-definite",
                 replace: "[[1.0, 0.8, -0.2], [0.8, 1.0, -0.1], [-0.2, -0.1, 1.0]]",
                 with: "[[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]]",
                 field: "market.correlation.matrix", says: "repair: nearest"),
        Breakage(what: "unknown repair", replace: "repair: none", with: "repair: always", field: "market.correlation.repair",
                 says: "none or nearest"),
        Breakage(what: "haircut of one", replace: "BTC: 0.10", with: "BTC: 1.0", field: "collateral_haircuts.BTC", says: "[0, 1)"),
        Breakage(what: "unknown margin measure", replace: "measure: es", with: "measure: span", field: "margin.measure", says: "es or var"),
        Breakage(what: "bad instrument", replace: "BTC-28MAR25-100000-C", with: "BTC-32MAR25-100000-C",
                 field: "accounts[0].positions[0].instrument", says: "not an expiry"),
        Breakage(what: "unknown underlying", replace: "BTC-PERPETUAL", with: "SOL-PERPETUAL",
                 field: "accounts[0].positions[1].instrument", says: "'SOL' of 'SOL-PERPETUAL' is not in market.underlyings"),
        Breakage(what: "expired instrument", replace: "BTC-28MAR25-100000-C", with: "BTC-31JAN25-100000-C",
                 field: "accounts[0].positions[0].instrument", says: "expired"),
        Breakage(what: "quantity not a number", replace: "quantity: -10", with: "quantity: ten",
                 field: "accounts[0].positions[0].quantity", says: "expected a number"),
        Breakage(what: "missing quantity", replace: "{ instrument: BTC-PERPETUAL, quantity: 50000 }", with: "{ instrument: BTC-PERPETUAL }",
                 field: "accounts[0].positions[1].quantity", says: "missing required key"),
        Breakage(what: "duplicate account", replace: "id: bob", with: "id: alice", field: "accounts[1].id", says: "used twice"),
        Breakage(what: "collateral without haircut", replace: "{ ETH: 10 }", with: "{ ETH: 10, SOL: 3 }",
                 field: "accounts[1].collateral.SOL", says: "'SOL'"),
        Breakage(what: "collateral haircut missing", replace: "collateral_haircuts: { USD: 0.0, BTC: 0.10, ETH: 0.15 }",
                 with: "collateral_haircuts: { USD: 0.0, BTC: 0.10 }", field: "accounts[1].collateral.ETH", says: "no haircut"),
        Breakage(what: "bad job name", replace: "job: small", with: "job: ../escape", field: "job", says: "letters, digits"),
        Breakage(what: "positions not a list", replace: "positions:\n      - { instrument: ETH-28MAR25, quantity: 10000 }",
                 with: "positions: ETH-28MAR25", field: "accounts[1].positions", says: "expected a list, got 'ETH-28MAR25'"),
    ]

    @Test(arguments: breakages)
    func brokenJobIsRefused(_ breakage: Breakage) throws {
        let folder = try JobFolder()
        defer { folder.remove() }
        #expect(JobFolder.valid.contains(breakage.replace), "the breakage must apply")
        let text = JobFolder.valid.replacingOccurrences(of: breakage.replace, with: breakage.with)
        let path = try folder.write("job.yaml", text)
        do {
            _ = try JobFile.load(path: path)
            Issue.record("\(breakage.what): loaded without error")
        } catch {
            #expect(error.code == .data, "\(error)")
            #expect(error.file == path)
            #expect(error.field == breakage.field, "\(error)")
            #expect(error.description.contains(breakage.says), "\(error)")
        }
    }

    @Test func invalidYAMLNamesTheFile() throws {
        let folder = try JobFolder()
        defer { folder.remove() }
        let path = try folder.write("job.yaml", "job: [unclosed\nseed: 1\n")
        #expect(throws: JobError.self) { try JobFile.load(path: path) }
        do { _ = try JobFile.load(path: path) } catch {
            #expect(error.code == .data)
            #expect(error.description.hasPrefix(path))
        }
    }

    @Test func missingJobFileIsMissingInput() {
        do {
            _ = try JobFile.load(path: "/nonexistent/job.yaml")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.code == .missingInput)
            #expect(error.exitCode == 66)
        }
    }

    @Test func repairNearestReportsTheDistance() throws {
        let folder = try JobFolder()
        defer { folder.remove() }
        let text = JobFolder.valid
            .replacingOccurrences(of: "[[1.0, 0.8, -0.2], [0.8, 1.0, -0.1], [-0.2, -0.1, 1.0]]",
                                  with: "[[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]]")
            .replacingOccurrences(of: "repair: none", with: "repair: nearest")
        let loaded = try JobFile.load(path: try folder.write("job.yaml", text))
        let distance = try #require(loaded.engineJob.correlation?.repairDistance)
        #expect(distance > 0.1 && distance < 2)
        _ = try EnginePlan(loaded.engineJob)
    }
}
