import Foundation
import Testing
import TailGridEngine
import TailGridMarket

/// Initial margin split by line (`MarginAttribution`): the lines' parts and what is left
/// unsplit add up to IM, each component's lines add up to that component, and the
/// liquidity add-on's split is Euler's (checked by central differences of the add-on
/// itself, independently of the closed form the split uses).
@Suite struct MarginAttributionTests {
    static let liquidity = LiquidityAddOn(impact: 0.5, averageDailyVolume: ["BTC": 10_000, "ETH": 1e6],
                                          vegaVolume: ["BTC": 50_000, "ETH": 20_000])

    /// The mixed book, plus an account short a deep out-of-the-money put in two lines
    /// (-150 and +50: the minimum nets them) and a coin-margined account, under stress
    /// scenarios, the short-option minimum, the liquidity add-on with its vega part and a
    /// 25% APC buffer.
    static func job(_ combine: MarginPolicy.Combine) throws -> EngineJob {
        var job = try Fixtures.mixedJob(scenarios: 8192)
        job.accounts += [
            Account(id: "deep-put", collateral: [.init(currency: "USD", amount: 2_000_000)],
                    positions: [try Fixtures.position("BTC-28MAR25-40000-P", -150), try Fixtures.position("BTC-28MAR25-40000-P", 50),
                                try Fixtures.position("ETH-PERPETUAL", 10_000)]),
            Account(id: "coin", collateral: [.init(currency: "BTC", amount: 2)],
                    positions: [try Fixtures.position("BTC-28MAR25-97000-C", -0.5), try Fixtures.position("BTC-28MAR25-40000-P", -3)],
                    marginCoin: "BTC"),
        ]
        job.stress = StressTest(scenarios: StressGrid.deribit.scenarios(symbols: ["BTC", "ETH"]) + [
            StressScenario(name: "crash", kind: .hypothetical, logReturns: ["BTC": log1p(-0.4), "ETH": log1p(-0.5)],
                           volMoves: ["BTC": .init(multiplier: 1.5)]),
        ])
        job.margin = MarginPolicy(combine: combine, stressWeight: 0.8, baseWeight: 0.3, shortOptionMinimum: ShortOptionMinimum(),
                                  liquidity: Self.liquidity, antiProcyclicality: AntiProcyclicality(rate: 0.25))
        return job
    }

    @Test(arguments: [MarginPolicy.Combine.max, .blend])
    func linesAddUpToInitialMarginComponentByComponent(_ combine: MarginPolicy.Combine) throws {
        let job = try Self.job(combine)
        let plan = try EnginePlan(job)
        let (result, explanations) = try LocalRunner(plan: plan, threads: 2).run(explaining: nil)
        var moved = (stress: 0, shortOption: 0)
        for (index, (risk, explanation)) in zip(result.accounts, explanations).enumerated() {
            let split = MarginAttribution(plan: plan, account: index, risk: risk, explanation: explanation)
            let c = risk.margin.components
            #expect(split.unsplit.isEmpty, "\(risk.id): \(split.unsplit)")
            #expect(split.lines.count == explanation.lines.count)
            let parts: [(String, Double, [Double?])] = [
                ("base", c.base, split.lines.map(\.base)),
                ("stress uplift", c.stressUplift, split.lines.map(\.stressUplift)),
                ("short-option uplift", c.shortOptionUplift, split.lines.map(\.shortOptionUplift)),
                ("liquidity", c.liquidityAddOn, split.lines.map(\.liquidityAddOn)),
                ("APC", c.antiProcyclicalityBuffer, split.lines.map(\.antiProcyclicalityBuffer)),
            ]
            // Rounding grows with the gross of what is summed: the lines' ES contributions
            // (1e-12 of their gross, as `TailAttributionTests` states) and the stress lines.
            let gross = explanation.lines.reduce(0) { $0 + abs($1.contribution) }
                + (explanation.stress?.lineLosses.reduce(0) { $0 + abs($1) } ?? 0) + risk.margin.initialMargin
            for (name, component, lines) in parts {
                let values = lines.compactMap { $0 }
                #expect(values.count == lines.count, "\(risk.id): \(name) not split")
                #expect(abs(values.reduce(0, +) - component) <= 1e-9 * gross, "\(risk.id): \(name) \(values.reduce(0, +)) vs \(component)")
            }
            #expect(abs(split.total - risk.margin.initialMargin) <= 1e-9 * gross, "\(risk.id): \(split.total) vs IM \(risk.margin.initialMargin)")
            if c.stressUplift != 0 { moved.stress += 1 }
            if c.shortOptionUplift != 0 { moved.shortOption += 1 }
            #expect(c.liquidityAddOn > 0 && c.antiProcyclicalityBuffer > 0, "\(risk.id)")
        }
        // Every component is at work somewhere, so none of the sums above is vacuous.
        #expect(moved.stress > 0 && moved.shortOption > 0, "\(moved)")
        // The deep put's minimum falls on its two lines in proportion -150 : 50.
        let deepPut = try #require(explanations.firstIndex { $0.id == "deep-put" })
        let minimums = MarginAttribution(plan: plan, account: deepPut, risk: result.accounts[deepPut],
                                         explanation: explanations[deepPut])
        let perContract = ShortOptionMinimum().perContract(strike: 40_000, right: .put, spot: 97_600, parameters: .deribit)
        if result.accounts[deepPut].margin.components.shortOptionUplift > 0 {
            let first = try #require(minimums.lines[0].shortOptionUplift), second = try #require(minimums.lines[1].shortOptionUplift)
            let b = minimums.lines.map { ($0.base ?? 0) + ($0.stressUplift ?? 0) }
            #expect(abs(first + b[0] - 150 * perContract) <= 1e-9 * 150 * perContract)
            #expect(abs(second + b[1] + 50 * perContract) <= 1e-9 * 150 * perContract)
        }
    }

    /// L is homogeneous of degree 3/2 in the positions, so line i's Euler share is
    /// (2/3) d/dt L(line i scaled by t) at t = 1. Here that derivative is taken by
    /// central differences (t = 1 +- 1e-5, truncation error about 1e-10 relative) of the
    /// add-on as `LiquidityAddOn` computes it for the whole account.
    @Test func theLiquiditySplitIsEulers() throws {
        let job = try Self.job(.max)
        let plan = try EnginePlan(job)
        let (result, explanations) = try LocalRunner(plan: plan, threads: 2).run(explaining: nil)
        let pricers = Dictionary(plan.evaluator.instruments.map { ($0.instrument.name, $0) }, uniquingKeysWith: { first, _ in first })
        func addOn(_ account: Account) -> Double {
            let deltas = LiquidityAddOn.netDeltas(of: account, pricers: pricers, market: job.market, collateral: job.margin.collateral)
            return Self.liquidity.requirement(deltas: deltas, market: job.market)
                + Self.liquidity.vegaRequirement(vegas: Self.liquidity.netVegas(of: account, pricers: pricers, market: job.market))
        }
        var checked = 0
        for (index, account) in job.accounts.enumerated() where account.marginCoin == nil {
            let split = MarginAttribution(plan: plan, account: index, risk: result.accounts[index], explanation: explanations[index])
            let total = addOn(account)
            #expect(abs(total - result.accounts[index].margin.components.liquidityAddOn) <= 1e-12 * total)
            let h = 1e-5
            for (line, position) in account.positions.enumerated() {
                func scaled(_ t: Double) -> Account {
                    var positions = account.positions
                    positions[line] = Account.Position(instrument: position.instrument, quantity: position.quantity * t)
                    return Account(id: account.id, collateral: account.collateral, positions: positions)
                }
                let euler = (2.0 / 3.0) * (addOn(scaled(1 + h)) - addOn(scaled(1 - h))) / (2 * h)
                let share = try #require(split.lines[line].liquidityAddOn)
                #expect(abs(share - euler) <= 1e-6 * total, "\(account.id) line \(line): \(share) vs \(euler)")
                checked += 1
            }
        }
        #expect(checked >= 10)
    }

    /// With a dependence stress and no stress scenarios, an account long BTC and ETH has
    /// its worst stress under perfect spot correlation: an ES under other correlations,
    /// whose lines the replay of the base tail cannot give. The stress uplift is then left
    /// unsplit, named with its amount, and the rest still adds up to IM.
    @Test func aDependenceStressUpliftIsLeftUnsplitAndNamed() throws {
        var job = try Fixtures.job(accounts: [
            try StressTestTests.account("long-both", [("BTC-PERPETUAL", 200_000), ("ETH_USDC-PERPETUAL", 60)],
                                        collateral: [.init(currency: "USD", amount: 1_000_000)]),
        ], scenarios: 8192, chunkSize: 2048)
        job.dependence = DependenceStress(confidence: 0.99)
        let plan = try EnginePlan(job)
        let (result, explanations) = try LocalRunner(plan: plan, threads: 2).run(explaining: nil)
        let risk = result.accounts[0]
        #expect(risk.stress?.worst == DependenceStress.Variant.comonotonic.name)
        #expect(risk.margin.components.stressUplift > 0)
        let split = MarginAttribution(plan: plan, account: 0, risk: risk, explanation: explanations[0])
        #expect(split.unsplit.map(\.component) == ["stress_uplift"])
        #expect(split.unsplit.first?.amount == risk.margin.components.stressUplift)
        #expect(split.lines.allSatisfy { $0.stressUplift == nil && $0.base != nil })
        let gross = explanations[0].lines.reduce(risk.margin.initialMargin) { $0 + abs($1.contribution) }
        #expect(abs(split.total - risk.margin.initialMargin) <= 1e-9 * gross)
    }
}
