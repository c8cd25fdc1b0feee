import Foundation
import Testing
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// Basis, vol-term, skew and depeg factors, each on a position exposed only to it: the spot
/// barely moves (scenario vol 1e-6), so the position's loss is a monotone function of one
/// Gaussian factor draw e and its 99% VaR is that function at e = -z, z = Phi^-1(0.99),
/// the side that loses. Checked within 3 standard errors of the engine's VaR (half its
/// 95% order-statistic interval / 1.96) plus 0.5 USD for the spot's residual moves
/// (S 1e-6 sqrt(2/365) 5 = 0.04 USD).
@Suite struct RiskFactorTests {
    static let spot = 97_600.0
    static let tau = 2.0 / 365
    static let z = NormalDistribution.quantile(0.99)

    static func market(carry: Double = 0, volOfVol: Double? = nil, carryVol: Double? = nil, skewVol: Double? = nil,
                       power: Double = 0, depegVol: Double? = nil) throws -> MarketData {
        try MarketData(valuationTime: Fixtures.valuationTime, rate: 0, underlyings: [
            try Underlying(symbol: "BTC", spot: spot, vol: 0.55, volOfVol: volOfVol, carry: carry, scenarioVol: 1e-6,
                           carryVol: carryVol, skewVol: skewVol, volShockDTEPower: power),
        ], stablecoins: try depegVol.map { [try Stablecoin(symbol: "USDC", depegVol: $0)] } ?? [])
    }

    static func estimate(_ instrument: String, market: MarketData) throws -> (TailEstimate, InstrumentPricer) {
        let account = Account(id: "a", collateral: [], positions: [try Fixtures.position(instrument, 1)])
        let (estimate, plan) = try run(account, market: market)
        return (estimate, plan.evaluator.instruments[0])
    }

    static func run(_ account: Account, market: MarketData,
                    collateral: MarginPolicy.Collateral = .portfolio) throws -> (TailEstimate, EnginePlan) {
        var job = try Fixtures.job(accounts: [account], scenarios: 200_000, chunkSize: 16_384, market: market)
        job.margin = MarginPolicy(collateral: collateral)
        let plan = try EnginePlan(job)
        return (try LocalRunner(plan: plan, threads: 2).run().accounts[0].estimates[0], plan)
    }

    static func expectClose(_ estimate: TailEstimate, _ expected: Double, _ what: String) {
        let se = (estimate.valueAtRiskInterval95.upperBound - estimate.valueAtRiskInterval95.lowerBound) / (2 * 1.96)
        #expect(abs(estimate.valueAtRisk - expected) <= 3 * se + 0.5,
                "\(what): VaR \(estimate.valueAtRisk) vs \(expected) (se \(se))")
    }

    /// Long 1 coin of the linear June future, carry b = 0.05, carry_vol 0.3: the future is
    /// worth S e^((b + db) T') at the horizon with db = 0.3 sqrt(tau) e, so
    /// VaR = F - S e^((b - 0.3 sqrt(tau) z) T'), F = S e^(b T). Without the basis factor
    /// the same position only loses the carry's roll over two days, F - S e^(b T') (27 USD).
    @Test func basisMovesACalendarExposure() throws {
        let (estimate, pricer) = try Self.estimate("BTC_USDC-27JUN25", market: try Self.market(carry: 0.05, carryVol: 0.3))
        let shifted = 0.05 - 0.3 * Self.tau.squareRoot() * Self.z
        let expected = pricer.forward - Self.spot * exp(shifted * pricer.timeAfterHorizon)
        Self.expectClose(estimate, expected, "basis")
        #expect(expected > 1_500, "the hand-computed basis VaR, \(expected), is a real amount")
        let (fixed, _) = try Self.estimate("BTC_USDC-27JUN25", market: try Self.market(carry: 0.05))
        Self.expectClose(fixed, pricer.forward - Self.spot * exp(0.05 * pricer.timeAfterHorizon), "no basis")
    }

    /// Long an ATM call 8 days from expiry, vol of vol 1, Deribit's term rule p = 0.5:
    /// w = (30 / 8)^0.5 = 1.936, the vol multiplier at e = -z is
    /// m = exp(-w z sqrt(tau) - w^2 tau / 2), VaR = V - Black76(S, K, T', 0.55 m).
    /// With p = 0 (w = 1) the VaR is the same formula at w = 1, a smaller loss.
    @Test(arguments: [0.5, 0.0])
    func termWeightScalesShortExpiryVolMoves(power: Double) throws {
        let (estimate, pricer) = try Self.estimate("BTC_USDC-28FEB25-97600-C",
                                                   market: try Self.market(volOfVol: 1, power: power))
        let days = pricer.time * 365
        #expect(abs(days - 8) < 1e-9)
        let w = power == 0 ? 1 : (30 / days).squareRoot()
        #expect(pricer.volShockWeight == w)
        let m = exp(-w * Self.z * Self.tau.squareRoot() - w * w * Self.tau / 2)
        let expected = pricer.value - Black76.price(forward: Self.spot, strike: 97_600, time: pricer.timeAfterHorizon,
                                                    volatility: 0.55 * m, discount: 1, right: .call)
        Self.expectClose(estimate, expected, "term p=\(power)")
    }

    /// Long the March 120,000 call (log-moneyness k = ln(120000 / 97600) = 0.2066),
    /// skew_vol 0.5: the vol is 0.55 + s k with s = 0.5 sqrt(tau) e, so
    /// VaR = V - Black76(S, K, T', 0.55 - 0.5 sqrt(tau) z k). An at-the-money call
    /// (k = 0) is untouched by the skew.
    @Test func skewTiltsOutOfTheMoneyVols() throws {
        let (estimate, pricer) = try Self.estimate("BTC_USDC-28MAR25-120000-C", market: try Self.market(skewVol: 0.5))
        let k = log(120_000 / Self.spot)
        let vol = 0.55 - 0.5 * Self.tau.squareRoot() * Self.z * k
        let expected = pricer.value - Black76.price(forward: Self.spot, strike: 120_000, time: pricer.timeAfterHorizon,
                                                    volatility: vol, discount: 1, right: .call)
        Self.expectClose(estimate, expected, "skew")
        let decay = pricer.value - Black76.price(forward: Self.spot, strike: 120_000, time: pricer.timeAfterHorizon,
                                                 volatility: 0.55, discount: 1, right: .call)
        #expect(expected > decay + 50, "the skew adds \(expected - decay) to two days' decay of \(decay)")

        let (atTheMoney, atmPricer) = try Self.estimate("BTC_USDC-28MAR25-97600-C", market: try Self.market(skewVol: 0.5))
        let atmDecay = atmPricer.value - Black76.price(forward: Self.spot, strike: 97_600, time: atmPricer.timeAfterHorizon,
                                                       volatility: 0.55, discount: 1, right: .call)
        Self.expectClose(atTheMoney, atmDecay, "skew at the money")
    }

    /// USDC with depeg_vol 0.1: P' = exp(0.1 sqrt(tau) d - 0.01 tau / 2).
    /// - 1,000,000 USDC of collateral (portfolio convention) loses 1e6 (1 - P'):
    ///   VaR = 1e6 (1 - exp(-0.1 sqrt(tau) z - 0.005 tau)); under the haircut convention
    ///   the balance is out of the scenarios and there is nothing to lose.
    /// - A long 1 BTC USDC perpetual is long BTC and short S of USDC (its P&L is
    ///   P' (S'/P' - S) = S' - S P'), so with BTC still it loses when USDC rises:
    ///   VaR = S (exp(0.1 sqrt(tau) z - 0.005 tau) - 1). The USDT perpetual does not see it.
    @Test func depegReachesStablecoinBalancesAndLinearInstruments() throws {
        let market = try Self.market(depegVol: 0.1)
        let v = 0.1 * Self.tau.squareRoot()
        let drift = -0.5 * 0.01 * Self.tau
        let balance = Account(id: "usdc", collateral: [.init(currency: "USDC", amount: 1_000_000)], positions: [])
        let (held, _) = try Self.run(balance, market: market)
        Self.expectClose(held, 1_000_000 * (1 - exp(-v * Self.z + drift)), "USDC balance")
        #expect(held.valueAtRisk > 15_000)
        let (haircut, _) = try Self.run(balance, market: market, collateral: .haircut)
        #expect(haircut.valueAtRisk == 0)

        let (linear, _) = try Self.estimate("BTC_USDC-PERPETUAL", market: market)
        Self.expectClose(linear, Self.spot * (exp(v * Self.z + drift) - 1), "USDC perpetual")
        let (tether, _) = try Self.estimate("BTC_USDT-PERPETUAL", market: market)
        #expect(tether.valueAtRisk < 1, "the USDT perpetual's VaR is \(tether.valueAtRisk)")
    }
}
