import Foundation
import Testing
import TailGridJob
import TailGridTestSupport

/// A table of broken job files, generated from the valid one by swapping one value for a
/// bad one: magnitudes that would overflow, numbers that are not numbers, wrong types,
/// zone offsets, control characters. Each must be refused with exit code 65, naming the
/// field, before anything runs.
@Suite("Job files: the table of broken values")
struct BrokenJobTableTests {
    struct Row: Sendable, CustomStringConvertible {
        let replace: String
        let with: String
        let field: String
        let says: String?
        var description: String { "\(field) = \(with)" }
    }

    /// Rows for one value of the valid job: `template` holds `{}` where each bad value goes.
    static func rows(_ replace: String, _ template: String, field: String, says: String? = nil, _ values: [String]) -> [Row] {
        values.map { Row(replace: replace, with: template.replacingOccurrences(of: "{}", with: $0), field: field, says: says) }
    }

    static let notNumbers = [".nan", "nan", ".inf", "-.inf", "inf", "x", "[1]", "{ a: 1 }", "''", "0x1p3q"]

    static let table: [Row] =
        rows("seed: 7", "seed: {}", field: "seed", says: "whole number",
             ["-1", "1.5", "x", "[1]", "{ a: 1 }", "18446744073709551616", "''", "1e3"])
        + rows("scenarios: 2000", "scenarios: {}", field: "scenarios",
               ["0", "-5", "1.5", "1e9", "100000001", "x", "[]", "''", "9223372036854775808"])
        + rows("horizon_days: 2", "horizon_days: {}", field: "horizon_days",
               ["0", "-1", "365", "1e308", "-1e308"] + notNumbers)
        + rows("chunk_size: 512", "chunk_size: {}", field: "chunk_size", ["0", "-1", "4194305", "1.5", "x", "1e308"])
        + rows("rate: 0.0", "rate: {}", field: "market.rate", ["1", "-1", "1e308"] + notNumbers)
        + rows("spot: 97600", "spot: {}", field: "market.underlyings.BTC.spot",
               ["0", "-1", "1e308", "1e10", "1e300", "-0.0"] + notNumbers)
        + rows("vol: 0.55", "vol: {}", field: "market.underlyings.BTC.vol", ["0", "-0.1", "20", "1e308"] + notNumbers)
        + rows("vol_of_vol: 1.2", "vol_of_vol: {}", field: "market.underlyings.BTC.vol_of_vol", ["-1", "50", "1e308", ".nan", "x"])
        + rows("carry: 0.05", "carry: {}", field: "market.underlyings.BTC.carry", ["10", "-10", "1e308", ".nan", "x"])
        + rows("2025-02-20T08:00:00Z", "{}", field: "valuation_time",
               ["2025-02-20T08:00:00+25:00", "2025-02-20T08:00:00+14:30", "2025-02-20T08:00:00-15:00", "2025-02-20T08:00:00+99:99",
                "2025-13-01T00:00:00Z", "2025-02-20", "yesterday", "2025-02-20T08:00:00", "'[2025]'"])
        + rows("quantity: -10", "quantity: {}", field: "accounts[0].positions[0].quantity",
               ["1e308", "-1e308", "1e300", "2e9", "-2e9", "1e14"] + notNumbers)
        + rows("quantity: 50000 }", "quantity: {} }", field: "accounts[0].positions[1].quantity",
               ["1e14", "-1e14", "1e308", "1.7976931348623157e308", ".nan", "x"])
        + rows("quantity: 10000", "quantity: {}", field: "accounts[1].positions[0].quantity", ["1e14", "-2e13", ".inf", "x"])
        + rows("USD: 250000", "USD: {}", field: "accounts[0].collateral.USD", ["1e14", "-1e14", "1e308"] + notNumbers)
        + rows("BTC: 1.5 }", "BTC: {} }", field: "accounts[0].collateral.BTC", ["1e9", "-1e9", "1e305", ".nan", "x"])
        + rows("ETH: 10 }", "ETH: {} }", field: "accounts[1].collateral.ETH", ["1e12", "1e308", "inf"])
        + rows("id: alice", "id: {}", field: "accounts[0].id",
               ["\"al\\u0007ice\"", "\"a\\tb\"", "\"x\\e[2J\"", "\"new\\nline\"", "\"cr\\rid\"", "\"nul\\0id\"", "\"bidi\\u202Eid\"",
                String(repeating: "a", count: 201), "''", "[a]"])
        + rows("{ kind: gaussian }", "{}", field: "model.dof",
               ["{ kind: student_t, dof: 1 }", "{ kind: student_t, dof: .nan }", "{ kind: student_t, dof: 1001 }",
                "{ kind: student_t, dof: 2 }", "{ kind: student_t, dof: 1e308 }", "{ kind: gaussian, dof: 5 }"])
        + rows("{ kind: gaussian }", "{}", field: "model.kind", ["{ kind: 3 }", "{ kind: cauchy }", "{ kind: '' }"])
        + rows("BTC: 0.10,", "BTC: {},", field: "collateral_haircuts.BTC", ["-0.1", "1", "1e308", ".nan", "x"])
        + rows("maintenance_ratio: 0.8", "maintenance_ratio: {}", field: "margin.maintenance_ratio", ["0", "1.5", "-1", ".nan", "1e308"])
        + rows("job: small", "job: {}", field: "job", ["''", "a/b", ".hidden", "[a]", "\"tab\\tname\"", "../up"])
        + rows("[[1.0, 0.8, -0.2]", "[[1.0, {}, -0.2]", field: "market.correlation.matrix[0][1]", [".nan", "x", ".inf"])
        + rows("confidence: [0.99, 0.975]", "confidence: {}", field: "confidence[0]",
               ["[0, 0.99]", "[1, 0.99]", "[.nan]", "[1e308]", "[x]", "[-0.5]"])
        + rows("confidence: [0.99, 0.975]", "confidence: {}", field: "confidence", ["[]"])
        + rows("margin: { measure: es, maintenance_ratio: 0.8 }", "{}", field: "margin.measure", ["margin: { measure: 7 }", "margin: { measure: '' }"])
        + rows("job: small", "job: small\naggregation: {}", field: "aggregation", ["diagonal", "[dense]", "''"])
        + rows("job: small", "job: small\npaths: {}", field: "paths.steps",
               ["{ steps: 0 }", "{ steps: -1 }", "{ steps: 1.5 }", "{ steps: 367 }", "{ steps: 1e308 }", "{ steps: x }",
                "{ steps: '' }", "{ steps: [2] }"])
        + rows("job: small", "job: small\npaths: {}", field: "paths", ["3", "[2]"])
        + rows("job: small", "job: small\npaths: {}", field: "paths.step", ["{ step: 2 }"])
        + rows("carry: 0.05", "carry: 0.05, carry_vol: {}", field: "market.underlyings.BTC.carry_vol",
               ["-0.1", "10", "1e308"] + notNumbers)
        + rows("carry: 0.05", "carry: 0.05, skew_vol: {}", field: "market.underlyings.BTC.skew_vol",
               ["-0.1", "10", "1e308"] + notNumbers)
        + rows("carry: 0.05", "carry: 0.05, vol_shock_dte_power: {}", field: "market.underlyings.BTC.vol_shock_dte_power",
               ["-0.1", "2.5", "1e308"] + notNumbers)
        + rows("rate: 0.0", "rate: 0.0\n  stablecoins: { USDC: { depeg_vol: {} } }", field: "market.stablecoins.USDC.depeg_vol",
               ["-0.1", "5", "1e308"] + notNumbers)
        + rows("rate: 0.0", "rate: 0.0\n  stablecoins: {}", field: "market.stablecoins.DAI", ["{ DAI: { depeg_vol: 0.1 } }"])
        + rows("rate: 0.0", "rate: 0.0\n  stablecoins: {}", field: "market.stablecoins.USDC.vol",
               ["{ USDC: { vol: 0.1 } }"])
        + rows("rate: 0.0", "rate: 0.0\n  stablecoins: {}", field: "market.stablecoins.USDC.depeg_vol", ["{ USDC: {} }"])
        + rows("rate: 0.0", "rate: 0.0\n  stablecoins: {}", field: "market.stablecoins.USDC", ["{ USDC: 0.1 }"])
        + rows("carry: 0.05", "carry: 0.05, funding: {}", field: "market.underlyings.BTC.funding",
               ["10", "-10", "1e308", "-1e308"] + notNumbers)

    @Test(arguments: table)
    func brokenValueIsRefused(_ row: Row) throws {
        #expect(JobFolder.valid.contains(row.replace), "the row must apply")
        let text = JobFolder.valid.replacingOccurrences(of: row.replace, with: row.with)
        do {
            _ = try JobFile.parse(jobBytes: Data(text.utf8), path: "job.yaml", positions: nil)
            Issue.record("\(row): loaded without error")
        } catch {
            #expect(error.code == .data, "\(error)")
            #expect(error.exitCode == 65)
            #expect(error.file == "job.yaml")
            #expect(error.field == row.field, "\(error)")
            if let says = row.says { #expect(error.description.contains(says), "\(error)") }
        }
    }

    @Test func theTableHasOneHundredAndFiftyRows() {
        #expect(Self.table.count >= 150, "\(Self.table.count) rows")
    }
}
