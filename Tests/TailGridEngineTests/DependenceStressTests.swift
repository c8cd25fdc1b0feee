import Foundation
import Testing
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// OCC STANS's dependence stress: ES again under zero and perfect correlation of the spot
/// factors, with the same random numbers as the base run.
@Suite struct DependenceStressTests {
    /// BTC and ETH spots correlated 0.8, with vol factors correlated to them.
    static func job(_ accounts: [Account], confidence: Double = 0.995) throws -> EngineJob {
        let correlation = EngineJob.FactorCorrelation(
            factors: ["BTC", "ETH", "BTC.vol", "ETH.vol"],
            matrix: try CorrelationMatrix(validating: DenseMatrix([
                [1, 0.8, -0.2, -0.15], [0.8, 1, -0.15, -0.25], [-0.2, -0.15, 1, 0.6], [-0.15, -0.25, 0.6, 1],
            ])))
        var job = try Fixtures.job(accounts: accounts, scenarios: 40_000, chunkSize: 8192,
                                   market: try Fixtures.market(btcVolOfVol: 1.2), correlation: correlation)
        job.dependence = DependenceStress(confidence: confidence)
        return job
    }

    static func account(_ id: String, _ positions: [(String, Double)]) throws -> Account {
        Account(id: id, collateral: [.init(currency: "USD", amount: 1_000_000)],
                positions: try positions.map { try Fixtures.position($0.0, $0.1) })
    }

    /// Long BTC against short ETH of the same notional (about 97,600 USD each) is hedged
    /// by the correlation: perfect correlation shrinks its ES, zero correlation grows it.
    /// Long both is the opposite. BTC alone does not care: its draws are the first
    /// factor's under every correlation, so its ES is the same bits (common random
    /// numbers, replayed by index).
    @Test func perfectCorrelationShrinksASpreadAndGrowsALongBook() throws {
        let ethPerBTC = 97_600.0 / 2_719
        let job = try Self.job([
            try Self.account("spread", [("BTC_USDC-PERPETUAL", 1), ("ETH_USDC-PERPETUAL", -ethPerBTC)]),
            try Self.account("long", [("BTC_USDC-PERPETUAL", 1), ("ETH_USDC-PERPETUAL", ethPerBTC)]),
            try Self.account("btc", [("BTC_USDC-PERPETUAL", 1)]),
        ])
        let plan = try EnginePlan(job)
        #expect(plan.lossRowCount == 9)
        let result = try LocalRunner(plan: plan, threads: 2).run()
        func dependence(_ index: Int) throws -> AccountStress.Dependence {
            try #require(result.accounts[index].stress?.dependence)
        }
        let spread = try dependence(0), long = try dependence(1), btc = try dependence(2)
        let (zero, perfect) = (DependenceStress.Variant.independent.rawValue, DependenceStress.Variant.comonotonic.rawValue)
        #expect(spread.stressedExpectedShortfall[perfect] < spread.baseExpectedShortfall)
        #expect(spread.stressedExpectedShortfall[zero] > spread.baseExpectedShortfall)
        #expect(long.stressedExpectedShortfall[perfect] > long.baseExpectedShortfall)
        #expect(long.stressedExpectedShortfall[zero] < long.baseExpectedShortfall)
        #expect(btc.stressedExpectedShortfall[zero] == btc.baseExpectedShortfall)
        #expect(abs(btc.stressedExpectedShortfall[perfect] - btc.baseExpectedShortfall) <= 1e-12 * btc.baseExpectedShortfall)
        // Under perfect correlation both spots follow one normal Z: S_i' / S_i =
        // exp(a_i Z - a_i^2 / 2), a_i = sigma_i sqrt(tau). Each book's loss is monotone in
        // Z, so its ES at 0.995 (p = 0.005, q = Phi^-1(0.995)) is a closed form, from
        // int_q^inf exp(a z - a^2 / 2) phi(z) dz = 1 - Phi(q - a):
        //   spread (loses as Z rises): N / p (Phi(q - a_BTC) - Phi(q - a_ETH)),
        //   long (loses as Z falls):   N / p (2 p - Phi(-q - a_BTC) - Phi(-q - a_ETH)),
        // N = 97,600 USD. Tolerance 10%: an ES from k = 200 tail scenarios has a relative
        // standard error of about 3% (the normal tail's coefficient of variation over
        // sqrt(k)), so 10% is three of them.
        func phi(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
        let tau = 2.0 / 365, q = 2.5758293035489004, p = 0.005, notional = 97_600.0
        let (aBTC, aETH) = (0.55 * tau.squareRoot(), 0.70 * tau.squareRoot())
        let spreadES = notional / p * (phi(q - aBTC) - phi(q - aETH))
        let longES = notional / p * (2 * p - phi(-q - aBTC) - phi(-q - aETH))
        #expect(abs(spread.stressedExpectedShortfall[perfect] / spreadES - 1) < 0.1,
                "\(spread.stressedExpectedShortfall[perfect]) vs \(spreadES)")
        #expect(abs(long.stressedExpectedShortfall[perfect] / longES - 1) < 0.1,
                "\(long.stressedExpectedShortfall[perfect]) vs \(longES)")
        // The base ES at 0.995 agrees with the estimate the run reports at its confidences
        // when they coincide, and the worst stress is a dependence one.
        #expect(result.accounts[1].stress?.worst == DependenceStress.Variant.comonotonic.name)
        #expect(result.accounts[0].stress?.worst == DependenceStress.Variant.independent.name)
        #expect(result.accounts[1].margin.initialMargin == max(result.accounts[1].margin.components.base,
                                                               long.stressedExpectedShortfall[perfect]))
    }

    /// The stressed correlations are block-diagonal: spots at 0 or 1 among themselves,
    /// non-spot factors keeping theirs and independent of the spots.
    @Test func stressedCorrelationsKeepTheNonSpotBlock() throws {
        let plan = try EnginePlan(try Self.job([try Self.account("a", [("BTC_USDC-PERPETUAL", 1)])]))
        let full = try EnginePlan.fullCorrelation(factors: plan.factors, listed: plan.job.correlation)
        let perfect = try DependenceStress.correlation(.comonotonic, base: full, factors: plan.factors)
        let zero = try DependenceStress.correlation(.independent, base: full, factors: plan.factors)
        let names = plan.factors.map(\.name)
        let btc = try #require(names.firstIndex(of: "BTC")), eth = try #require(names.firstIndex(of: "ETH"))
        let btcVol = try #require(names.firstIndex(of: "BTC.vol")), ethVol = try #require(names.firstIndex(of: "ETH.vol"))
        #expect(perfect.matrix[btc, eth] == 1 && zero.matrix[btc, eth] == 0)
        #expect(perfect.matrix[btcVol, ethVol] == 0.6 && zero.matrix[btcVol, ethVol] == 0.6)
        #expect(perfect.matrix[btc, btcVol] == 0 && zero.matrix[eth, ethVol] == 0)
    }
}
