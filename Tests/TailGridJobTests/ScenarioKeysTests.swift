import Foundation
import Testing
import TailGridEngine
import TailGridJob
import TailGridMarket

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
}
