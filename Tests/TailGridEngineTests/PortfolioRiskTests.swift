import Testing
import TailGridEngine
import TailGridMarket
import TailGridNumerics

@Suite("Portfolio risk: options, hedges, collateral")
struct PortfolioRiskTests {
    func risk(_ accounts: [Account], model: ScenarioModel = .gaussian) throws -> [AccountRisk] {
        try LocalRunner(plan: try EnginePlan(try Fixtures.job(accounts: accounts, model: model)), threads: 2).run().accounts
    }

    @Test func shortCallShortfallExceedsItsValueAtRisk() throws {
        let account = Account(id: "writer", collateral: [], positions: [try Fixtures.position("BTC-28MAR25-100000-C", -10)])
        let estimate = try risk([account])[0].estimates[0]
        #expect(estimate.valueAtRisk > 0)
        #expect(estimate.expectedShortfall > estimate.valueAtRisk)
    }

    @Test func longPutHedgeLowersShortfall() throws {
        let unhedged = Account(id: "long", collateral: [], positions: [try Fixtures.position("BTC", 5)])
        let hedged = Account(id: "hedged", collateral: [],
                             positions: [try Fixtures.position("BTC", 5), try Fixtures.position("BTC-28MAR25-95000-P", 5)])
        let results = try risk([unhedged, hedged])
        #expect(results[1].estimates[0].expectedShortfall < 0.8 * results[0].estimates[0].expectedShortfall)
    }

    /// Coin collateral loses value when its coin falls: under the default `portfolio`
    /// convention the whole balance counts in the loss, the haircut in equity only.
    @Test func coinCollateralCarriesWrongWayRisk() throws {
        let usd = Account(id: "usd", collateral: [.init(currency: "USD", amount: 200_000)], positions: [])
        let btc = Account(id: "btc", collateral: [.init(currency: "BTC", amount: 2)], positions: [])
        let spot = Account(id: "spot", collateral: [], positions: [try Fixtures.position("BTC", 2)])
        let results = try risk([usd, btc, spot])
        #expect(results[0].estimates[0].expectedShortfall == 0)
        #expect(results[0].equity == 200_000)
        #expect(abs(results[1].equity - 2 * 0.9 * 97_600) < 1e-6)
        // Two coins at a 10% haircut carry the risk of 2 coins held outright, bit for bit.
        #expect(results[1].estimates[0].expectedShortfall == results[2].estimates[0].expectedShortfall)
    }

    /// Fat tails: the same book has a larger 99.5% ES under Student-t (dof 4) than Gaussian.
    @Test func studentTailsAreFatter() throws {
        let account = Account(id: "spot", collateral: [], positions: [try Fixtures.position("BTC", 1)])
        let job = { (model: ScenarioModel) in
            try Fixtures.job(accounts: [account], scenarios: 50_000, confidences: [0.995], model: model)
        }
        let gaussian = try LocalRunner(plan: try EnginePlan(try job(.gaussian))).run().accounts[0].estimates[0]
        let student = try LocalRunner(plan: try EnginePlan(try job(.studentT(degreesOfFreedom: 4)))).run().accounts[0].estimates[0]
        #expect(student.expectedShortfall > gaussian.expectedShortfall + 3 * student.expectedShortfallStandardError)
    }

    @Test func marginStatusFollowsEquity() {
        let policy = MarginPolicy(measure: .es, maintenanceRatio: 0.8)
        #expect(policy.margin(equity: 100, valueAtRisk: 50, expectedShortfall: 90).status == .ok)
        #expect(policy.margin(equity: 80, valueAtRisk: 50, expectedShortfall: 90).status == .marginCall)
        #expect(policy.margin(equity: 71, valueAtRisk: 50, expectedShortfall: 90).status == .liquidation)
        #expect(policy.margin(equity: 10, valueAtRisk: -5, expectedShortfall: -1).initialMargin == 0)
        let byVaR = MarginPolicy(measure: .var, maintenanceRatio: 0.5).margin(equity: 100, valueAtRisk: 40, expectedShortfall: 60)
        #expect(byVaR.initialMargin == 40)
        #expect(byVaR.maintenanceMargin == 20)
        #expect(byVaR.excessMargin == 60)
    }

    /// Perfectly correlated factors give a singular correlation matrix that still runs,
    /// and then BTC and ETH move together: a long-short pair at equal vol-weighted size
    /// is far less risky than either leg.
    @Test func perfectCorrelationRuns() throws {
        let market = try MarketData(valuationTime: Fixtures.valuationTime, rate: 0, underlyings: [
            try Underlying(symbol: "BTC", spot: 100_000, vol: 0.5), try Underlying(symbol: "ETH", spot: 2_500, vol: 0.5),
        ])
        let correlation = EngineJob.FactorCorrelation(
            factors: ["BTC", "ETH"], matrix: try CorrelationMatrix(validating: DenseMatrix([[1, 1], [1, 1]])))
        let pair = Account(id: "pair", collateral: [], positions: [try Fixtures.position("BTC", 1), try Fixtures.position("ETH", -40)])
        let leg = Account(id: "leg", collateral: [], positions: [try Fixtures.position("BTC", 1)])
        let plan = try EnginePlan(try Fixtures.job(accounts: [pair, leg], market: market, correlation: correlation))
        #expect(plan.correlationRank == 1)
        let results = try LocalRunner(plan: plan).run().accounts
        #expect(abs(results[0].estimates[0].expectedShortfall) < 1e-6 * results[1].estimates[0].expectedShortfall)
    }
}
