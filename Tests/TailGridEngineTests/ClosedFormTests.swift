import Foundation
import Testing
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// Monte Carlo VaR and ES of spot positions against the closed form of the lognormal
/// model: with s = sigma sqrt(tau), mu = -s^2 / 2, the scenario spot is S e^(mu + s Z).
/// Tolerance: 3 standard errors (the ES standard error the engine reports; for VaR the
/// half-width of its 95% interval / 1.96).
@Suite("VaR and ES against closed forms")
struct ClosedFormTests {
    static let scenarios = 200_000
    static let spot = 97_600.0
    static let s = 0.55 * (2.0 / 365).squareRoot()
    static let mu = -s * s / 2

    func run(quantity: Double, confidence: Double) throws -> TailEstimate {
        let account = Account(id: "spot", collateral: [], positions: [try Fixtures.position("BTC", quantity)])
        let job = try Fixtures.job(accounts: [account], scenarios: Self.scenarios, confidences: [confidence], chunkSize: 16_384)
        let result = try LocalRunner(plan: try EnginePlan(job), threads: 2).run()
        return result.accounts[0].estimates[0]
    }

    func check(_ estimate: TailEstimate, valueAtRisk: Double, expectedShortfall: Double) {
        let varError = (estimate.valueAtRiskInterval95.upperBound - estimate.valueAtRiskInterval95.lowerBound) / (2 * 1.96)
        #expect(abs(estimate.valueAtRisk - valueAtRisk) <= 3 * varError,
                "VaR \(estimate.valueAtRisk) vs closed form \(valueAtRisk) (se \(varError))")
        #expect(abs(estimate.expectedShortfall - expectedShortfall) <= 3 * estimate.expectedShortfallStandardError,
                "ES \(estimate.expectedShortfall) vs closed form \(expectedShortfall) (se \(estimate.expectedShortfallStandardError))")
    }

    @Test(arguments: [0.99, 0.975])
    func longSpot(confidence: Double) throws {
        let q = 3.0
        let a = confidence
        let z = NormalDistribution.quantile(1 - a)
        let valueAtRisk = q * Self.spot * (1 - exp(Self.mu + Self.s * z))
        let shortfall = q * Self.spot * (1 - exp(Self.mu + Self.s * Self.s / 2) * NormalDistribution.cdf(z - Self.s) / (1 - a))
        check(try run(quantity: q, confidence: a), valueAtRisk: valueAtRisk, expectedShortfall: shortfall)
    }

    /// A short position loses when the spot rises: VaR = q S (e^(mu + s z_a) - 1),
    /// ES = q S (e^(mu + s^2/2) Phi(s - z_a) / (1 - a) - 1), z_a = Phi^-1(a).
    @Test(arguments: [0.99, 0.975])
    func shortSpot(confidence: Double) throws {
        let q = 3.0
        let a = confidence
        let z = NormalDistribution.quantile(a)
        let valueAtRisk = q * Self.spot * (exp(Self.mu + Self.s * z) - 1)
        let shortfall = q * Self.spot * (exp(Self.mu + Self.s * Self.s / 2) * NormalDistribution.cdf(Self.s - z) / (1 - a) - 1)
        check(try run(quantity: -q, confidence: a), valueAtRisk: valueAtRisk, expectedShortfall: shortfall)
    }
}
