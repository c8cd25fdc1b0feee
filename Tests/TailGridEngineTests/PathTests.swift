import Foundation
import Testing
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// Correlated multi-day paths (`paths.steps`): the closed form of the whole horizon,
/// settlement at an expiry step replayed scenario by scenario, funding along the path,
/// and bit-identity for any chunking and thread count.
@Suite struct PathTests {
    static let spot = 97_600.0
    static let sigma = 0.55

    static func btcMarket(funding: Double = 0) throws -> MarketData {
        try MarketData(valuationTime: Fixtures.valuationTime, rate: 0, underlyings: [
            try Underlying(symbol: "BTC", spot: spot, vol: sigma, carry: 0, funding: funding),
            try Underlying(symbol: "ETH", spot: 2_719, vol: 0.70, volOfVol: 1.5),
        ])
    }

    /// Ten daily steps of a lognormal path: the horizon log-return is still Gaussian,
    /// N(-s^2/2, s^2) with s = sigma sqrt(10 / 365), so a long 3 BTC position's VaR and
    /// ES are the closed forms of `ClosedFormTests` (VaR = q S (1 - e^(mu + s z)),
    /// ES = q S (1 - e^(mu + s^2/2) Phi(z - s) / (1 - a)), z = Phi^-1(1 - a)), within 3
    /// standard errors (the ES standard error the engine reports; for VaR the half-width
    /// of its 95% interval / 1.96).
    @Test(arguments: [0.99, 0.975])
    func dailyStepsMatchTheOneStepClosedForm(confidence a: Double) throws {
        let q = 3.0
        let s = Self.sigma * (10.0 / 365).squareRoot()
        let mu = -s * s / 2
        let z = NormalDistribution.quantile(1 - a)
        let valueAtRisk = q * Self.spot * (1 - exp(mu + s * z))
        let shortfall = q * Self.spot * (1 - exp(mu + s * s / 2) * NormalDistribution.cdf(z - s) / (1 - a))

        let account = Account(id: "spot", collateral: [], positions: [try Fixtures.position("BTC", q)])
        let job = try Fixtures.job(accounts: [account], scenarios: 200_000, confidences: [a], chunkSize: 16_384,
                                   market: try Self.btcMarket(), horizonDays: 10, steps: 10)
        let estimate = try LocalRunner(plan: try EnginePlan(job), threads: 2).run().accounts[0].estimates[0]
        let varError = (estimate.valueAtRiskInterval95.upperBound - estimate.valueAtRiskInterval95.lowerBound) / (2 * 1.96)
        #expect(abs(estimate.valueAtRisk - valueAtRisk) <= 3 * varError,
                "VaR \(estimate.valueAtRisk) vs closed form \(valueAtRisk) (se \(varError))")
        #expect(abs(estimate.expectedShortfall - shortfall) <= 3 * estimate.expectedShortfallStandardError,
                "ES \(estimate.expectedShortfall) vs closed form \(shortfall) (se \(estimate.expectedShortfallStandardError))")
    }

    /// The spot path of one scenario, recomputed here from the generator's contract:
    /// factors BTC, ETH, ETH.vol (F = 3, identity correlation, so X = Z); the normal of
    /// factor f at step k is draw d = 3k + f of the scenario, the (d mod 2 + 1)-th uniform
    /// of Philox block (scenario, d / 2, stream 0). S_k = S exp(sum_j (sigma sqrt(dt) e_j
    /// - sigma^2 dt / 2)).
    static func btcPath(scenario: UInt64, steps: Int, horizonDays: Double, seed: UInt64) -> [Double] {
        let philox = Philox4x32(seed: seed)
        let dt = horizonDays / 365 / Double(steps)
        var logReturn = 0.0
        return (0..<steps).map { step in
            let d = 3 * step
            let (u1, u2) = philox.uniformPair(Philox4x32.counter(scenario: scenario, draw: UInt32(d / 2), stream: 0))
            let e = NormalDistribution.quantile(d % 2 == 0 ? u1 : u2)
            logReturn += Self.sigma * dt.squareRoot() * e - 0.5 * Self.sigma * Self.sigma * dt
            return Self.spot * exp(logReturn)
        }
    }

    /// Two daily steps; puts struck at 95,000 expire at 08:00 on 21 Feb, the end of step 1.
    /// Replayed scenario by scenario over the first two tiles:
    /// - the USDC-settled put pays max(K - S_1, 0) at step 1's spot;
    /// - the coin-settled put pays max(K - S_1, 0) / S_1 coins, worth that times S_2;
    /// - today's one-step rule (settle at the horizon spot S_2) differs in most scenarios.
    @Test func anOptionExpiringAtStepOneSettlesAtStepOnesSpot() throws {
        let accounts = [
            Account(id: "linear", collateral: [], positions: [try Fixtures.position("BTC_USDC-21FEB25-95000-P", 1)]),
            Account(id: "inverse", collateral: [], positions: [try Fixtures.position("BTC-21FEB25-95000-P", 1)]),
        ]
        let job = try Fixtures.job(accounts: accounts, scenarios: 512, market: try Self.btcMarket(), horizonDays: 2, steps: 2)
        let plan = try EnginePlan(job)
        #expect(plan.evaluator.instrumentTerms.map(\.settlementStep) == [0, 0])
        let premium = plan.evaluator.instruments[0].value
        let workspace = plan.evaluator.makeWorkspace()
        var differsFromHorizonRule = 0
        for tileStart in [UInt64(0), 256] {
            plan.evaluator.evaluate(tileStart: tileStart, workspace: workspace)
            for column in 0..<ScenarioTile.size {
                let path = Self.btcPath(scenario: tileStart + UInt64(column), steps: 2, horizonDays: 2, seed: job.seed)
                let payoff = max(95_000 - path[0], 0)
                let linear = workspace.accountProfit[column]
                let inverse = workspace.accountProfit[ScenarioTile.size + column]
                #expect(abs(linear - (payoff - premium)) <= 1e-9 * Self.spot)
                #expect(abs(inverse - (payoff / path[0] * path[1] - premium)) <= 1e-9 * Self.spot)
                if abs(linear - (max(95_000 - path[1], 0) - premium)) > 1 { differsFromHorizonRule += 1 }
            }
        }
        #expect(differsFromHorizonRule > 50, "settling at step 1 must differ from settling at the horizon")
    }

    /// Funding at f = 0.2 a year over 4 daily steps, replayed by index: a long linear
    /// perpetual (1 BTC) gains S_4 - S - f dt (S + S_1 + S_2 + S_3); a long inverse one of
    /// 97,600 USD notional gains 97,600 ((1/S - 1/S_4) S_4 - f dt S_4 (1/S + 1/S_1 + 1/S_2 + 1/S_3)).
    @Test func perpetualsPayFundingAlongThePath() throws {
        let f = 0.2
        let accounts = [
            Account(id: "linear", collateral: [], positions: [try Fixtures.position("BTC_USDC-PERPETUAL", 1)]),
            Account(id: "inverse", collateral: [], positions: [try Fixtures.position("BTC-PERPETUAL", 97_600)]),
        ]
        let job = try Fixtures.job(accounts: accounts, scenarios: 256, market: try Self.btcMarket(funding: f),
                                   horizonDays: 4, steps: 4)
        let plan = try EnginePlan(job)
        let workspace = plan.evaluator.makeWorkspace()
        plan.evaluator.evaluate(tileStart: 0, workspace: workspace)
        let dt = 1.0 / 365
        for column in 0..<ScenarioTile.size {
            let path = Self.btcPath(scenario: UInt64(column), steps: 4, horizonDays: 4, seed: job.seed)
            let starts = [Self.spot] + path.dropLast()
            let end = path[3]
            let linear = end - Self.spot - f * dt * starts.reduce(0, +)
            let inverse = 97_600 * ((1 / Self.spot - 1 / end) * end - f * dt * end * starts.map { 1 / $0 }.reduce(0, +))
            #expect(abs(workspace.accountProfit[column] - linear) <= 1e-9 * Self.spot)
            #expect(abs(workspace.accountProfit[ScenarioTile.size + column] - inverse) <= 1e-9 * Self.spot)
        }
    }

    /// The mixed book on 5-step Student-t paths with every optional factor (basis, skew,
    /// term weights, funding, a USDC depeg): chunk sizes 1, 777 and 20,000 on 1 and 3 threads agree bit
    /// for bit.
    @Test func pathsAreBitIdenticalAcrossChunkingsAndThreads() throws {
        func job(chunkSize: Int) throws -> EngineJob {
            var job = try Fixtures.mixedJob(scenarios: 6_000, chunkSize: chunkSize)
            let market = job.market
            job.market = try MarketData(valuationTime: market.valuationTime, rate: market.rate, underlyings: [
                try Underlying(symbol: "BTC", spot: 97_600, vol: 0.55, volOfVol: 1.2, carry: 0.05, carryVol: 0.3,
                               skewVol: 0.4, volShockDTEPower: 0.5, funding: 0.1),
                try Underlying(symbol: "ETH", spot: 2_719, vol: 0.70, volOfVol: 1.5, funding: -0.05),
            ], stablecoins: [try Stablecoin(symbol: "USDC", depegVol: 0.05)])
            job.horizonDays = 5
            job.steps = 5
            return job
        }
        let reference = try LocalRunner(plan: try EnginePlan(try job(chunkSize: 4096)), threads: 1).run()
        #expect(reference.factors == ["BTC", "BTC.vol", "BTC.basis", "BTC.vol.skew", "ETH", "ETH.vol", "USDC"])
        for (chunkSize, threads) in [(1, 3), (777, 1), (777, 3), (20_000, 2)] {
            let result = try LocalRunner(plan: try EnginePlan(try job(chunkSize: chunkSize)), threads: threads).run()
            #expect(result.accounts.map(\.bitSignature) == reference.accounts.map(\.bitSignature),
                    "chunk size \(chunkSize), \(threads) threads")
        }
    }

    @Test func stepsBeyondTheDrawBudgetAreRefused() throws {
        let account = Account(id: "spot", collateral: [], positions: [try Fixtures.position("BTC", 1)])
        let job = try Fixtures.job(accounts: [account], market: try Self.btcMarket(), steps: 3_000)
        #expect(throws: EngineError.self) { try EnginePlan(job) }
    }
}
