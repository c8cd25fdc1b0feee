import Foundation
import Testing
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// Student-t scenarios with a finite-mean price, and moment sums that never abort a run.
@Suite struct FatTailTests {
    /// A Student-t draw is the Gaussian draw of the same seed, scenario and factor times
    /// its step's mixing variable (`StudentTMixing.scale`, one by one), capped: the bits of
    /// that formula for every draw of two tiles of a 3-step path (the generator scales 8
    /// scenarios at a time, factor by factor). dof 2.05 rejects 5% of first attempts, so
    /// the one-by-one path is in it too; its cap (612 sd) binds nowhere, dof 3 with a cap
    /// of 1e-2 (3.3 sd, capped rows of every kind) binds often.
    @Test(arguments: [(2.05, StudentTMixing.defaultTailCap), (3.0, 1e-2)])
    func studentDrawsAreTheGaussianOnesScaledAndCapped(dof: Double, tailCap: Double) {
        let factor = DenseMatrix([[1, 0, 0], [0.6, 0.8, 0], [-0.3, 0.4, (1 - 0.09 - 0.16).squareRoot()]])
        let steps = 3
        let gaussian = ScenarioGenerator(seed: 41, correlationFactor: factor, model: .gaussian, steps: steps)
        let student = ScenarioGenerator(seed: 41, correlationFactor: factor, model: .studentT(degreesOfFreedom: dof, tailCap: tailCap),
                                        steps: steps)
        let mixing = StudentTMixing(degreesOfFreedom: dof)
        let cap = StudentTMixing.drawCap(degreesOfFreedom: dof, tailCap: tailCap)
        let width = ScenarioTile.size
        let size = 3 * steps * width
        var plain = [Double](repeating: 0, count: size), fat = plain, scratch = plain
        var capped = 0
        for tileStart in [UInt64(0), UInt64(1) << 33 | 512] {
            plain.withUnsafeMutableBufferPointer { p in
                scratch.withUnsafeMutableBufferPointer { gaussian.generate(tileStart: tileStart, draws: p.baseAddress!, independent: $0.baseAddress!) }
            }
            fat.withUnsafeMutableBufferPointer { p in
                scratch.withUnsafeMutableBufferPointer { student.generate(tileStart: tileStart, draws: p.baseAddress!, independent: $0.baseAddress!) }
            }
            for factorIndex in 0..<3 {
                for step in 0..<steps {
                    for column in 0..<width {
                        let index = factorIndex * steps * width + step * width + column
                        let scale = mixing.scale(generator: Philox4x32(seed: 41), scenario: tileStart + UInt64(column), step: step)
                        let expected = Swift.min(Swift.max(plain[index] * scale, -cap), cap)
                        if abs(plain[index] * scale) > cap { capped += 1 }
                        #expect(fat[index].bitPattern == expected.bitPattern, "factor \(factorIndex), step \(step), scenario \(tileStart + UInt64(column))")
                    }
                }
            }
        }
        #expect(tailCap > 1e-3 ? capped > 20 : capped == 0, "\(capped) draws capped")
    }

    static func shortBTC(seed: UInt64, dof: Double) throws -> EngineJob {
        let account = Account(id: "short", collateral: [], positions: [try Fixtures.position("BTC", -1)])
        var job = try Fixtures.job(accounts: [account], scenarios: 100_000, chunkSize: 16_384,
                                   model: .studentT(degreesOfFreedom: dof))
        job.seed = seed
        return job
    }

    /// Short 1 BTC, Student-t dof 3, 2 days, 100 seeds x 100,000 scenarios. Uncapped, one
    /// seed in 150 gave an ES 576 times the median (BTC x105,620 in two days) and the
    /// reported standard error was 0.08 of the true spread. Capped at the 1e-6 quantile
    /// (59.6 sd, a move of at most x11.4), the largest ES must stay below 3 x the median,
    /// and the median reported standard error within a factor 1.5 of the spread of ES over
    /// the seeds (the tolerance covers the error of a spread estimated from 100 seeds,
    /// about 7% for a normal population, more for this skewed one).
    @Test func studentTailsGiveAFiniteMeanPrice() throws {
        var shortfalls: [Double] = []
        var errors: [Double] = []
        for seed in 1...100 {
            let risk = try LocalRunner(plan: try EnginePlan(try Self.shortBTC(seed: UInt64(seed), dof: 3)), threads: 2).run()
            shortfalls.append(risk.accounts[0].estimates[0].expectedShortfall)
            errors.append(risk.accounts[0].estimates[0].expectedShortfallStandardError)
        }
        let sorted = shortfalls.sorted()
        let median = 0.5 * (sorted[49] + sorted[50])
        let mean = shortfalls.reduce(0, +) / 100
        let spread = (shortfalls.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 99).squareRoot()
        let reported = errors.sorted()[50]
        #expect(sorted[99] / median < 3, "largest ES \(sorted[99]) against median \(median)")
        #expect(reported / spread < 1.5 && spread / reported < 1.5, "reported se \(reported), spread \(spread)")
    }

    /// dof 2.05 over 30 days used to give a loss of 9.6e23 whose square overflowed the
    /// exact sums and aborted the run. Capped, the largest move is bounded; and losses
    /// beyond the sums' range leave the standard deviation (and, beyond 2^124, the mean)
    /// absent while VaR, ES and margin come out finite.
    @Test func momentSumsNeverAbortARun() throws {
        var job = try Self.shortBTC(seed: 7, dof: 2.05)
        job.horizonDays = 30
        let capped = try LocalRunner(plan: try EnginePlan(job), threads: 2).run().accounts[0]
        #expect(capped.estimates[0].expectedShortfall.isFinite)
        #expect(capped.lossStandardDeviation != nil)
        // The largest move the cap allows: 95.6 sd of a 30-day 55% vol.
        let bound = 97_600 * (exp(0.55 * (30.0 / 365).squareRoot() * StudentTMixing.drawCap(degreesOfFreedom: 2.05, tailCap: 1e-6)) - 1)
        #expect(capped.estimates[0].valueAtRisk <= bound)

        // vol 5 over 30 days with dof 2.05: the cap allows exp(1.43 x 95.6 - 1.03), and on
        // short 1e8 BTC (9.76e12 USD) losses pass 4.6e18, whose squares the sums cannot hold.
        let market = try MarketData(valuationTime: Fixtures.valuationTime, rate: 0, underlyings: [
            try Underlying(symbol: "BTC", spot: 97_600, vol: 5),
        ])
        let huge = Account(id: "huge", collateral: [], positions: [try Fixtures.position("BTC", -1e8)])
        var extreme = try Fixtures.job(accounts: [huge], scenarios: 100_000, chunkSize: 16_384,
                                       model: .studentT(degreesOfFreedom: 2.05), market: market)
        extreme.horizonDays = 30
        let risk = try LocalRunner(plan: try EnginePlan(extreme), threads: 2).run().accounts[0]
        #expect(risk.lossStandardDeviation == nil)
        let largest = try #require(risk.estimates.first).expectedShortfall
        #expect(largest.isFinite && largest > 4.6e18 / 1000)
        #expect(risk.margin.initialMargin == largest)
    }
}
