import Foundation
import Testing
import TailGridEngine
import TailGridJob
import TailGridMarket
import TailGridTestSupport

/// The job keys of paths and of the optional factors reach the engine as written, and
/// their factors can be correlated by name.
@Suite struct ScenarioKeysTests {
    static let job = JobFolder.valid
        .replacingOccurrences(of: "model: { kind: gaussian }", with: "model: { kind: gaussian }\npaths: { steps: 2 }")
        .replacingOccurrences(of: "vol_of_vol: 1.2, carry: 0.05 }", with: """
            vol_of_vol: 1.2, carry: 0.05, carry_vol: 0.3, skew_vol: 0.4, vol_shock_dte_power: 0.5, funding: 0.1 }
            """)
        .replacingOccurrences(of: "  rate: 0.0", with: "  rate: 0.0\n  stablecoins: { USDT: { depeg_vol: 0.02 }, USDC: { depeg_vol: 0.05 } }")
        .replacingOccurrences(of: "factors: [BTC, ETH, BTC.vol]", with: "factors: [BTC, ETH, BTC.basis]")

    @Test func pathsAndFactorKeysReachTheEngine() throws {
        let loaded = try JobFile.parse(jobBytes: Data(Self.job.utf8), path: "job.yaml", positions: nil)
        let job = loaded.engineJob
        #expect(job.steps == 2)
        let btc = try #require(job.market.underlying("BTC"))
        #expect(btc.carryVol == 0.3 && btc.skewVol == 0.4 && btc.volShockDTEPower == 0.5 && btc.funding == 0.1)
        #expect(job.market.stablecoins.map(\.symbol) == ["USDC", "USDT"])
        #expect(EngineJob.factors(of: job.market).map(\.name)
                == ["BTC", "BTC.vol", "BTC.basis", "BTC.vol.skew", "ETH", "USDC", "USDT"])
        #expect(job.correlation?.factors == ["BTC", "ETH", "BTC.basis"])
        let result = try LocalRunner(plan: try EnginePlan(job), threads: 2).run()
        let document = ResultDocument(job: loaded, result: result, elapsedSeconds: 0)
        #expect(document.pathSteps == 2)
        #expect(document.factors.contains("BTC.vol.skew"))
    }

    /// A correlation naming a factor the market lacks says which key makes it.
    @Test(arguments: [("BTC.basis", "carry_vol"), ("BTC.vol.skew", "skew_vol"), ("ETH.vol", "vol_of_vol")])
    func anUnknownFactorNamesTheKeyThatMakesIt(factor: String, key: String) throws {
        let text = JobFolder.valid.replacingOccurrences(of: "factors: [BTC, ETH, BTC.vol]", with: "factors: [BTC, ETH, \(factor)]")
        #expect {
            try JobFile.parse(jobBytes: Data(text.utf8), path: "job.yaml", positions: nil)
        } throws: { error in
            guard let error = error as? JobError else { return false }
            return error.field == "market.correlation.factors[2]" && error.description.contains(key)
        }
    }

    /// 6 coins with every optional factor are 24 factors; 366 daily steps would draw
    /// 8,784 numbers per scenario, over the 8,192 a workspace holds.
    @Test func tooManyDrawsPerScenarioNameTheSteps() throws {
        let coins = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"].map {
            "    \($0): { spot: 100, vol: 0.5, vol_of_vol: 1, carry_vol: 0.1, skew_vol: 0.1 }"
        }
        let text = """
            job: big
            valuation_time: 2025-02-20T08:00:00Z
            seed: 1
            scenarios: 1000
            horizon_days: 300
            confidence: 0.99
            paths: { steps: 366 }
            market:
              underlyings:
            \(coins.joined(separator: "\n"))
            accounts:
              - { id: a, collateral: { USD: 100 } }
            """
        #expect {
            try JobFile.parse(jobBytes: Data(text.utf8), path: "job.yaml", positions: nil)
        } throws: { error in
            guard let error = error as? JobError else { return false }
            return error.field == "paths.steps" && error.description.contains("8784 draws")
        }
    }

    /// A 5 MB value of a new key is refused naming the field, and the message quotes at
    /// most 60 characters of it (the CLI run of a 100 MB value exits 65 the same way).
    @Test(arguments: ["carry: 0.05", "  rate: 0.0"])
    func aHugeValueIsRefusedWithoutBeingEchoed(anchor: String) throws {
        let huge = String(repeating: "1", count: 5_000_000)
        let text = anchor == "carry: 0.05"
            ? JobFolder.valid.replacingOccurrences(of: anchor, with: "carry: 0.05, carry_vol: \(huge)")
            : JobFolder.valid.replacingOccurrences(of: anchor, with: "  rate: 0.0\n  stablecoins: { USDC: { depeg_vol: \(huge) } }")
        #expect {
            try JobFile.parse(jobBytes: Data(text.utf8), path: "job.yaml", positions: nil)
        } throws: { error in
            guard let error = error as? JobError else { return false }
            return error.exitCode == 65 && error.description.count < 400
                && (error.field == "market.underlyings.BTC.carry_vol" || error.field == "market.stablecoins.USDC.depeg_vol")
        }
    }
}
