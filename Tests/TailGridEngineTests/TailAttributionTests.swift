import Foundation
import Testing
import TailGridCalibration
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// Attribution by replay (`TailAttribution`): Euler ES contributions.
@Suite struct TailAttributionTests {
    /// |sum_i C_i - ES| within 1e-12 of the gross size sum_i |C_i| + |ES|: the replayed
    /// lines are the same numbers the account loss was aggregated from (by dgemm or sparse
    /// rows, in another order), so only rounding separates them.
    static func expectContributionsAddUp(_ explanation: AccountExplanation, sourceLocation: SourceLocation = #_sourceLocation) {
        let gross = explanation.lines.reduce(abs(explanation.expectedShortfall)) { $0 + abs($1.contribution) }
        let gap = abs(explanation.contributionSum - explanation.expectedShortfall)
        #expect(gap <= 1e-12 * gross, "\(explanation.id): contributions sum to \(explanation.contributionSum), ES \(explanation.expectedShortfall)",
                sourceLocation: sourceLocation)
        let perUnderlying = explanation.underlyings.reduce(0) { $0 + $1.contribution }
        #expect(abs(perUnderlying - explanation.expectedShortfall) <= 1e-12 * gross, sourceLocation: sourceLocation)
        let perFactor = explanation.riskFactors.reduce(0) { $0 + $1.contribution }
        let factorGross = explanation.riskFactors.reduce(gross) { $0 + abs($1.contribution) }
        #expect(abs(perFactor - explanation.expectedShortfall) <= 1e-12 * factorGross, sourceLocation: sourceLocation)
        #expect(explanation.riskFactors.first?.factor == "spot", sourceLocation: sourceLocation)
    }

    /// The mixed book (options, futures, perpetuals, a USDC-settled perpetual, coin
    /// collateral held as spot) under the Gaussian and the Student-t model, dense and
    /// sparse, and a four-step path model: for every account the lines add up to the ES
    /// the run reported, and the ES and VaR the replay saw are the run's own bits.
    @Test(arguments: [
        (ScenarioModel.gaussian, PositionMatrix.Mode.dense, 1),
        (.studentT(degreesOfFreedom: 4), .sparse, 1),
        (.studentT(degreesOfFreedom: 5), .dense, 4),
    ])
    func contributionsAddUpToTheExpectedShortfall(model: ScenarioModel, aggregation: PositionMatrix.Mode, steps: Int) throws {
        var job = try Fixtures.mixedJob(scenarios: 20_000, model: model, aggregation: aggregation)
        job.steps = steps
        let (result, explanations) = try LocalRunner(plan: try EnginePlan(job), threads: 2).run(explaining: nil)
        #expect(explanations.count == job.accounts.count)
        for (risk, explanation) in zip(result.accounts, explanations) {
            #expect(explanation.id == risk.id)
            #expect(explanation.expectedShortfall.bitPattern == risk.estimates[0].expectedShortfall.bitPattern)
            #expect(explanation.valueAtRisk.bitPattern == risk.estimates[0].valueAtRisk.bitPattern)
            #expect(explanation.tailCount == 200)
            Self.expectContributionsAddUp(explanation)
            #expect(explanation.worstScenarios.count == TailAttribution.worstScenarioCount)
            #expect(explanation.worstScenarios.first?.loss == explanation.worstScenarios.map(\.loss).max())
        }
        // The waterfall: spot, then implied vol (the market has vol factors, no basis or skew).
        #expect(explanations[0].riskFactors.map(\.factor) == ["spot", "implied_vol"])
        // dave is short an ETH strangle: the tail picks scenarios where implied vol rose.
        #expect(explanations[3].riskFactors[1].contribution > 0)
        // alice: two positions and her BTC collateral, which moves as spot.
        #expect(explanations[0].lines.map(\.kind) == [.position, .position, .collateral])
        #expect(explanations[0].lines.map(\.instrument) == ["BTC-28MAR25-100000-C", "BTC-PERPETUAL", "BTC"])
    }

    /// Filtered historical simulation on the real BTC and ETH history: the same sums.
    @Test func contributionsAddUpUnderFilteredHistory() throws {
        let window = try ReturnWindow(prices: [try FilteredHistoricalTests.prices("BTC"), try FilteredHistoricalTests.prices("ETH")],
                                      asOf: FilteredHistoricalTests.asOf, days: 500)
        let history = try FilteredHistory(window: window, lambda: 0.94, horizonDays: 2, lookbackDays: 500)
        let job = try FilteredHistoricalTests.job(
            history: history,
            positions: [try Fixtures.position("BTC", 2), try Fixtures.position("ETH-PERPETUAL", -30_000),
                        try Fixtures.position("BTC-28MAR25-90000-P", -5)],
            scenarios: 30_000)
        let (result, explanations) = try LocalRunner(plan: try EnginePlan(job), threads: 2).run(explaining: [0])
        #expect(explanations[0].expectedShortfall == result.accounts[0].estimates[0].expectedShortfall)
        Self.expectContributionsAddUp(explanations[0])
        #expect(explanations[0].underlyings.map(\.symbol) == ["BTC", "ETH"])
    }

    /// Coin-margined accounts: P&L in BTC is (W + P) / S' - W / S, so the lines are each
    /// position's P / S' and the restatement -(W / S' - W / S). One BTC of collateral,
    /// measured in BTC, neither gains nor loses: its collateral line and its restatement
    /// cancel in every scenario.
    @Test func coinMarginedLinesIncludeTheRestatement() throws {
        let accounts = [
            Account(id: "coins", collateral: [.init(currency: "BTC", amount: 1)], positions: [], marginCoin: "BTC"),
            Account(id: "dollars-and-a-call", collateral: [.init(currency: "USD", amount: 100_000), .init(currency: "BTC", amount: 1)],
                    positions: [try Fixtures.position("BTC-28MAR25-110000-C", -3), try Fixtures.position("ETH-PERPETUAL", 20_000)],
                    marginCoin: "BTC"),
        ]
        let job = try Fixtures.job(accounts: accounts, scenarios: 10_000)
        let (_, explanations) = try LocalRunner(plan: try EnginePlan(job), threads: 2).run(explaining: nil)
        let coins = explanations[0]
        #expect(coins.currency == "BTC")
        #expect(coins.lines.map(\.kind) == [.collateral, .coinRestatement])
        #expect(abs(coins.lines[0].contribution + coins.lines[1].contribution) < 1e-15)
        // The market has an ETH vol factor; coins do not see it: an implied-vol stage of exactly 0.
        #expect(coins.riskFactors.map(\.factor) == ["spot", "implied_vol"])
        #expect(coins.riskFactors[1].contribution == 0)
        let mixed = explanations[1]
        #expect(mixed.lines.map(\.kind) == [.position, .position, .collateral, .coinRestatement])
        Self.expectContributionsAddUp(mixed)
    }

    /// The contributions are exact sums: the same bits on 1 or 3 threads and for any
    /// chunking of the run that found the tails.
    @Test func explanationsDoNotDependOnThreadsOrChunks() throws {
        let first = try LocalRunner(plan: try EnginePlan(try Fixtures.mixedJob(scenarios: 12_000, chunkSize: 1_000)), threads: 1)
            .run(explaining: nil).explanations
        let second = try LocalRunner(plan: try EnginePlan(try Fixtures.mixedJob(scenarios: 12_000, chunkSize: 5_000)), threads: 3)
            .run(explaining: nil).explanations
        #expect(first == second)
    }

    /// Two linear positions, long BTC perpetual and long ETH perpetual, over a 2-day
    /// horizon are close to a bivariate normal loss L = L1 + L2, L_i ~ N(0, s_i^2), with
    /// s_i = q_i S_i sigma_i sqrt(h) and correlation rho. For elliptical losses the Euler
    /// ES contribution is C_i = (cov(L_i, L) / sd(L)) phi(z_a) / (1 - a) (McNeil, Frey
    /// and Embrechts, Quantitative Risk Management, 2015, section 8.5). The lognormal
    /// spot makes each loss slightly skewed; with 200,000 scenarios at a = 0.975 the
    /// engine's share C_1 / ES must be within 0.02 of the closed form's.
    @Test func linearContributionsMatchTheEllipticalClosedForm() throws {
        let account = Account(id: "pair", collateral: [],
                              positions: [try Fixtures.position("BTC-PERPETUAL", 300_000), try Fixtures.position("ETH-PERPETUAL", 200_000)])
        let rho = 0.6
        let correlation = EngineJob.FactorCorrelation(
            factors: ["BTC", "ETH"], matrix: try CorrelationMatrix(validating: DenseMatrix([[1, rho], [rho, 1]])))
        var job = try Fixtures.job(accounts: [account], scenarios: 200_000, confidences: [0.975], chunkSize: 20_000,
                                   correlation: correlation)
        job.market = try MarketData(valuationTime: Fixtures.valuationTime, rate: 0, underlyings: [
            try Underlying(symbol: "BTC", spot: 97_600, vol: 0.55),
            try Underlying(symbol: "ETH", spot: 2_719, vol: 0.70),
        ])
        let explanation = try LocalRunner(plan: try EnginePlan(job), threads: 2).run(explaining: [0]).explanations[0]
        // A perpetual of q USD has P&L q (S' / S - 1): its loss sd is q sigma sqrt(h).
        let h = 2.0 / 365
        let s1 = 300_000 * 0.55 * h.squareRoot(), s2 = 200_000 * 0.70 * h.squareRoot()
        let share1 = (s1 * s1 + rho * s1 * s2) / (s1 * s1 + 2 * rho * s1 * s2 + s2 * s2)
        let engineShare = explanation.lines[0].contribution / explanation.expectedShortfall
        #expect(abs(engineShare - share1) < 0.02, "BTC share \(engineShare), closed form \(share1)")
        Self.expectContributionsAddUp(explanation)
        // A market without vol, basis or skew factors has one stage, spot, which is all of ES.
        #expect(explanation.riskFactors.map(\.factor) == ["spot"])
        // The tail's mean moves go against a long book: both spots fall on average.
        #expect(explanation.tailMeanMoves.spotReturns.allSatisfy { $0 < 0 })
    }

    /// The worst stress scenario split by line: for every account of a book under the
    /// Deribit grid (weighted extended moves included) and a hypothetical move, the lines'
    /// weighted losses add up to the stress loss the result used (to 1e-9 of the gross),
    /// name the result's worst scenario, and a one-line account's single line is its whole
    /// stress loss; by hand, 2 linear ETH perpetuals lose 2 x 0.5 x 2,719 when ETH halves.
    @Test func theWorstStressScenarioIsSplitByLine() throws {
        let accounts = [
            Account(id: "straddle", collateral: [.init(currency: "USD", amount: 50_000)],
                    positions: [try Fixtures.position("BTC-28MAR25-100000-C", -2), try Fixtures.position("BTC-28MAR25-100000-P", -2)]),
            Account(id: "mixed", collateral: [.init(currency: "USD", amount: 100_000), .init(currency: "BTC", amount: 1)],
                    positions: [try Fixtures.position("BTC-28MAR25-110000-C", -3), try Fixtures.position("ETH-PERPETUAL", 20_000),
                                try Fixtures.position("ETH_USDC-PERPETUAL", 4)]),
            Account(id: "perpetuals", collateral: [], positions: [try Fixtures.position("ETH_USDC-PERPETUAL", 2)]),
        ]
        var job = try Fixtures.job(accounts: accounts, scenarios: 8192, chunkSize: 2048)
        let halves = StressScenario(name: "ETH halves", kind: .hypothetical, logReturns: ["ETH": log1p(-0.5)])
        job.stress = StressTest(scenarios: StressGrid.deribit.scenarios(symbols: ["BTC", "ETH"]) + [halves])
        let plan = try EnginePlan(job)
        let (result, explanations) = try LocalRunner(plan: plan, threads: 2).run(explaining: nil)
        for (explanation, risk) in zip(explanations, result.accounts) {
            let stress = try #require(explanation.stress, "\(explanation.id)")
            let breakdown = try #require(stress.lineLosses.count == explanation.lines.count ? stress.lineLosses : nil)
            let gross = breakdown.reduce(abs(stress.loss)) { $0 + abs($1) }
            #expect(abs(breakdown.reduce(0, +) - stress.loss) <= 1e-9 * gross, "\(explanation.id)")
            #expect(stress.scenario == risk.stress?.worst, "\(explanation.id)")
            #expect(stress.loss == risk.stress?.worstLoss, "\(explanation.id)")
        }
        let perpetuals = explanations[2]
        #expect(perpetuals.stress?.scenario == "ETH halves")
        #expect(abs((perpetuals.stress?.lineLosses.first ?? 0) - 2 * 0.5 * 2_719) <= 1e-9 * 2_719)
        // A job without stress scenarios has no breakdown.
        let plain = try LocalRunner(plan: try EnginePlan(try Fixtures.job(accounts: accounts, scenarios: 4096)), threads: 1).run(explaining: [0])
        #expect(plain.explanations[0].stress == nil)
    }
}
