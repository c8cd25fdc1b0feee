import Foundation
import Testing
import TailGridEngine
import TailGridMarket
import TailGridNumerics

/// Stress scenarios revalued over the book (`StressTest`), the grid, and the margin
/// policy's stress component, short-option minimum and components, with worked examples.
@Suite struct StressTestTests {
    /// BTC at 97,600 (vol 0.55, carry 0.05) and ETH at 2,719, no rate.
    static func plan(_ accounts: [Account], stress: [StressScenario], margin: MarginPolicy = MarginPolicy(),
                     scenarios: Int = 4096) throws -> EnginePlan {
        var job = try Fixtures.job(accounts: accounts, scenarios: scenarios, chunkSize: 1024)
        job.stress = StressTest(scenarios: stress)
        job.margin = margin
        return try EnginePlan(job)
    }

    static func account(_ id: String, _ positions: [(String, Double)], collateral: [Account.Collateral] = []) throws -> Account {
        Account(id: id, collateral: collateral, positions: try positions.map { try Fixtures.position($0.0, $0.1) })
    }

    /// A hypothetical move worked by hand: 2 linear ETH perpetuals (P&L S' - S a coin)
    /// lose 2 x 0.5 x 2,719 = 2,719 when ETH halves, and gain 2 x 0.2 x 2,719 when it
    /// rises 20%; BTC's move does not touch them.
    @Test func aHypotheticalMoveIsRevaluedAsWorkedByHand() throws {
        let scenarios = [
            StressScenario(name: "ETH halves", kind: .hypothetical, logReturns: ["ETH": log1p(-0.5), "BTC": log1p(-0.3)]),
            StressScenario(name: "ETH +20%", kind: .hypothetical, logReturns: ["ETH": log1p(0.2)]),
        ]
        let plan = try Self.plan([try Self.account("a", [("ETH_USDC-PERPETUAL", 2)])], stress: scenarios)
        let losses = StressTest(scenarios: scenarios).losses(plan: plan)
        let account = try #require(losses.account(0))
        #expect(abs(account.losses[0] - 2_719) <= 1e-9 * 2_719)
        #expect(abs(account.losses[1] + 0.4 * 2_719) <= 1e-9 * 2_719)
        #expect(account.worst == 0)
        #expect(account.component == account.losses[0])
    }

    /// Deribit's term rule, m(d) = 1 + change (30 / max(d, 1))^p, at points where it is
    /// exact: 7.5 days at p = 0.5 doubles the move; a day or less counts as one day;
    /// a large down move is floored at 1% of today's vol.
    @Test func volMovesFollowTheTermRule() {
        let up = StressScenario.VolMove(change: 0.3, dtePower: 0.5)
        #expect(up.multiplier(daysToExpiry: 7.5) == 1.6)
        #expect(up.multiplier(daysToExpiry: 30) == 1.3)
        #expect(up.multiplier(daysToExpiry: 120) == 1.15)
        #expect(up.multiplier(daysToExpiry: 0.25) == up.multiplier(daysToExpiry: 1))
        let down = StressScenario.VolMove(change: -0.2, dtePower: 0.5)
        #expect(down.multiplier(daysToExpiry: 1) == StressScenario.VolMove.minimumMultiplier)
        #expect(StressScenario.VolMove(multiplier: 1.5).multiplier(daysToExpiry: 3) == 1.5)
    }

    /// The grid: 2 x 8 + 1 spot moves and 2 extended, each with three vol states, names
    /// that say the move; a short straddle loses most at an extreme move with vols up;
    /// each option's vol multiplier is the term rule at its own days to expiry; extended
    /// moves count with their weight.
    @Test func aShortStraddlesWorstGridLossIsAnExtremeMoveWithVolsUp() throws {
        let grid = StressGrid.deribit
        let scenarios = grid.scenarios(symbols: ["BTC", "ETH"])
        #expect(scenarios.count == (2 * 8 + 1 + 2) * 3)
        #expect(scenarios.first?.name == "grid spot -16% vol up")
        #expect(scenarios.contains { $0.name == "grid spot +0% vol unchanged" })
        #expect(scenarios.last?.name == "grid extended spot +500% vol down")
        // Short an at-the-money straddle expiring 28 Mar 2025 (36 days after valuation).
        let straddle = try Self.account("straddle", [("BTC-28MAR25-97000-C", -1), ("BTC-28MAR25-97000-P", -1)])
        let plan = try Self.plan([straddle], stress: scenarios)
        let losses = StressTest(scenarios: scenarios).losses(plan: plan)
        let account = try #require(losses.account(0))
        let proper = scenarios.indices.filter { scenarios[$0].weight == 1 }
        let worstProper = try #require(proper.max { account.losses[$0] < account.losses[$1] })
        #expect(["grid spot -16% vol up", "grid spot +16% vol up"].contains(scenarios[worstProper].name),
                "worst grid loss at \(scenarios[worstProper].name)")
        // Vol up alone (spot unchanged) is the option pricer at m = 1 + 0.3 (30 / d)^0.5.
        let volUp = try #require(scenarios.firstIndex { $0.name == "grid spot +0% vol up" })
        let call = try #require(plan.evaluator.instruments.first { $0.instrument.name == "BTC-28MAR25-97000-C" })
        let put = try #require(plan.evaluator.instruments.first { $0.instrument.name == "BTC-28MAR25-97000-P" })
        let days = call.time * 365
        let m = 1 + 0.3 * pow(30 / days, 0.5)
        // The straddle is short one of each: its loss is a long straddle's P&L.
        let expected = call.profitAndLoss(spot: 97_600, volMultiplier: m) + put.profitAndLoss(spot: 97_600, volMultiplier: m)
        #expect(abs(account.losses[volUp] - expected) <= 1e-9 * abs(expected))
        #expect(expected > 0, "a short straddle loses when vols rise")
        // An extended move counts its weight: the same move at weight 1 loses 1 / 0.33 as much.
        let extended = try #require(scenarios.firstIndex { $0.name == "grid extended spot -66% vol up" })
        let unweighted = StressScenario(name: "same", kind: .hypothetical, logReturns: scenarios[extended].logReturns,
                                        volMoves: scenarios[extended].volMoves)
        let full = try #require(StressTest(scenarios: [unweighted]).losses(plan: plan).account(0))
        #expect(abs(account.losses[extended] - 0.33 * full.losses[0]) <= 1e-12 * full.losses[0])
        #expect(scenarios[extended].weight == 0.33)
    }

    /// Deribit's short-option minimum, by hand at S = 97,600 (a = 0.15, b = 0.10):
    /// - 100 short calls 33.2% out of the money (K = 130,000): max(0.15 - 0.332, 0.1) S
    ///   = 9,760 each, 976,000 in all (the figure the issue quotes from Deribit);
    /// - a put 2% out of the money (K = 95,648): (0.15 - 0.02) S = 12,688;
    /// - a call in the money: 0.15 S = 14,640; a long option needs nothing, and a long
    ///   against a short of the same option nets.
    @Test func theShortOptionMinimumIsDeribitsRuleWorkedByHand() throws {
        let minimum = ShortOptionMinimum()
        let market = try Fixtures.market()
        func requirement(_ positions: [(String, Double)]) throws -> Double {
            minimum.requirement(for: try Self.account("x", positions), market: market)
        }
        #expect(abs(try requirement([("BTC-28MAR25-130000-C", -100)]) - 976_000) <= 1e-6)
        #expect(abs(try requirement([("BTC-28MAR25-95648-P", -1)]) - 12_688) <= 1e-6)
        #expect(abs(try requirement([("BTC-28MAR25-90000-C", -1)]) - 14_640) <= 1e-6)
        #expect(try requirement([("BTC-28MAR25-130000-C", 5)]) == 0)
        #expect(abs(try requirement([("BTC-28MAR25-130000-C", 1), ("BTC-28MAR25-130000-C", -3)]) - 2 * 9_760) <= 1e-6)
        // Per underlying: ETH at 2,719 with a = 0.2, b = 0.12, a put 50% out of the money.
        let eth = ShortOptionMinimum(perUnderlying: ["ETH": .init(atTheMoney: 0.2, floor: 0.12)])
        let ethAccount = try Self.account("e", [("ETH-28MAR25-1300-P", -10)])
        #expect(abs(eth.requirement(for: ethAccount, market: market) - 10 * 0.12 * 2_719) <= 1e-9)
    }

    /// A book of four accounts under every combination of policy: the components add up
    /// to IM, the stress component is the weighted worst loss, the blend is
    /// x B + (1 - x) T, and the short-option minimum lifts IM to itself when it is above.
    @Test(arguments: [MarginPolicy.Combine.max, .blend])
    func componentsAddUpToInitialMargin(_ combine: MarginPolicy.Combine) throws {
        var job = try Fixtures.mixedJob(scenarios: 8192)
        let scenarios = StressGrid.deribit.scenarios(symbols: ["BTC", "ETH"]) + [
            StressScenario(name: "crash", kind: .hypothetical, logReturns: ["BTC": log1p(-0.4), "ETH": log1p(-0.5)],
                           volMoves: ["BTC": .init(multiplier: 1.5)]),
        ]
        job.stress = StressTest(scenarios: scenarios)
        job.margin = MarginPolicy(combine: combine, stressWeight: 0.8, baseWeight: 0.3, shortOptionMinimum: ShortOptionMinimum())
        let plan = try EnginePlan(job)
        let result = try LocalRunner(plan: plan, threads: 2).run()
        for (index, risk) in result.accounts.enumerated() {
            let components = risk.margin.components
            #expect(risk.margin.initialMargin == components.base + components.stressUplift + components.shortOptionUplift)
            #expect(components.base == max(0, risk.estimates[0].expectedShortfall))
            let stress = try #require(risk.stress)
            let worst = try #require(stress.scenarioLosses.max())
            #expect(stress.worstLoss == worst)
            #expect(stress.worst == scenarios[try #require(stress.scenarioLosses.firstIndex(of: worst))].name)
            let t = 0.8 * max(0, worst)
            let b = components.base
            let core = combine == .max ? max(b, t) : 0.3 * b + 0.7 * t
            #expect(abs(b + components.stressUplift - core) <= 1e-9 * max(1, core))
            let minimum = try #require(risk.shortOptionMinimum)
            #expect(minimum == ShortOptionMinimum().requirement(for: job.accounts[index], market: job.market))
            #expect(abs(risk.margin.initialMargin - max(core, minimum)) <= 1e-9 * max(1, core, minimum))
            #expect(risk.margin.maintenanceMargin == 0.8 * risk.margin.initialMargin)
        }
        #expect(result.accounts.contains { $0.margin.components.stressUplift != 0 }, "the stress test moves some account")
        #expect(result.stressScenarios == scenarios)
    }

    /// The example: a short put 59% out of the money with 36 days to expiry has an
    /// ES of a few hundred USD per 100 lots; the minimum makes IM 0.1 S a contract.
    @Test func aDeepOutOfTheMoneyShortPutPaysTheMinimum() throws {
        let put = try Self.account("put", [("BTC-28MAR25-40000-P", -100)], collateral: [.init(currency: "USD", amount: 2_000_000)])
        let plan = try Self.plan([put], stress: [], margin: MarginPolicy(shortOptionMinimum: ShortOptionMinimum()), scenarios: 8192)
        let risk = try #require(try LocalRunner(plan: plan, threads: 2).run().accounts.first)
        #expect(risk.margin.components.base < 5_000, "ES of the deep out-of-the-money put: \(risk.margin.components.base)")
        #expect(abs(try #require(risk.shortOptionMinimum) - 976_000) <= 1e-9 * 976_000)
        #expect(abs(risk.margin.initialMargin - 976_000) <= 1e-9 * 976_000)
        #expect(risk.margin.components.shortOptionUplift == 976_000 - risk.margin.components.base)
    }

    /// Without stress scenarios or a short-option minimum, IM is the base, as before.
    @Test func withoutStressIMIsTheBase() throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(scenarios: 4096))
        let result = try LocalRunner(plan: plan, threads: 2).run()
        for risk in result.accounts {
            #expect(risk.stress == nil)
            #expect(risk.shortOptionMinimum == nil)
            #expect(risk.margin.initialMargin == max(0, risk.estimates[0].expectedShortfall))
            #expect(risk.margin.components.stressUplift == 0 && risk.margin.components.shortOptionUplift == 0)
        }
    }
}

/// The liquidity and concentration add-on, worked by hand.
@Suite struct LiquidityAddOnTests {
    /// ADV 10,000 BTC, Y = 0.5, sigma = 0.55 (sigma_d = 0.55 / sqrt(365) = 0.028788),
    /// S = 97,600: a net long of 100 BTC costs
    /// 0.5 x 0.028788 x 97,600 x 100 x sqrt(100 / 10,000) = 14,048.7 USD.
    /// Twice the position costs 2^(3/2) times as much, more than two accounts holding
    /// one each; a short nets against a long; coin collateral counts under the portfolio
    /// convention and not under haircut; an option counts at its Black-76 delta.
    @Test func theSquareRootRuleWorkedByHand() throws {
        let market = try Fixtures.market()
        let addOn = LiquidityAddOn(impact: 0.5, averageDailyVolume: ["BTC": 10_000, "ETH": 1e6])
        let one = addOn.requirement(deltas: ["BTC": 100], market: market)
        #expect(abs(one - 14_048.7) < 0.05, "\(one)")
        let two = addOn.requirement(deltas: ["BTC": 200], market: market)
        #expect(abs(two / one - 2 * 2.0.squareRoot()) < 1e-12)
        #expect(two > 2 * one, "concentrated pays more than split")
        #expect(addOn.requirement(deltas: ["BTC": -100], market: market) == one)

        let plan = try StressTestTests.plan([
            try StressTestTests.account("net", [("BTC_USDC-PERPETUAL", 150), ("BTC_USDC-PERPETUAL", -50)]),
            try StressTestTests.account("coins", [], collateral: [.init(currency: "BTC", amount: 100)]),
            try StressTestTests.account("call", [("BTC-28MAR25-97000-C", 100)]),
        ], stress: [])
        let pricers = Dictionary(uniqueKeysWithValues: plan.evaluator.instruments.map { ($0.instrument.name, $0) })
        let accounts = plan.job.accounts
        let net = LiquidityAddOn.netDeltas(of: accounts[0], pricers: pricers, market: market, collateral: .portfolio)
        #expect(net == ["BTC": 100])
        #expect(LiquidityAddOn.netDeltas(of: accounts[1], pricers: pricers, market: market, collateral: .portfolio) == ["BTC": 100])
        #expect(LiquidityAddOn.netDeltas(of: accounts[1], pricers: pricers, market: market, collateral: .haircut).isEmpty)
        let call = try #require(pricers["BTC-28MAR25-97000-C"])
        let callDelta = try #require(LiquidityAddOn.netDeltas(of: accounts[2], pricers: pricers, market: market,
                                                              collateral: .portfolio)["BTC"])
        // dV/dS by central differences of the pricer's own value at S +- 1 USD.
        let up = try InstrumentPricer(instrument: call.instrument, market: try Self.market(spot: 97_601), horizonYears: 0)
        let down = try InstrumentPricer(instrument: call.instrument, market: try Self.market(spot: 97_599), horizonYears: 0)
        #expect(abs(callDelta / 100 - (up.value - down.value) / 2) < 1e-6, "\(callDelta / 100)")
    }

    static func market(spot: Double) throws -> MarketData {
        try market(spot: spot, vol: 0.55)
    }

    static func market(spot: Double, vol: Double) throws -> MarketData {
        try MarketData(valuationTime: Fixtures.valuationTime, rate: 0, underlyings: [
            try Underlying(symbol: "BTC", spot: spot, vol: vol, volOfVol: 1.2, carry: 0.05),
        ])
    }

    /// The vega part, by hand. 100 short BTC-28MAR25-97000-C at S = 97,600, sigma = 0.55,
    /// 36 days, vol of vol 1.2, term weight 1: vega dP/dsigma = F phi(d1) sqrt(T) = about
    /// 12,400 per 1.00 (here by central differences of the pricer's own value at
    /// sigma +- 1e-4), so V = -100 x 124 = -12,400 USD per vol point and a one-sd daily
    /// move of the vol factor moves the options by E = 100 V sigma 1.2 / sqrt(365) (about
    /// 42,800 USD). With 50,000 USD of vega traded a day and Y = 0.5 the part is
    /// 0.5 |E| sqrt(|V| / 50,000), about 10,700 USD; twice the short pays 2^(3/2) as much;
    /// an underlying without a traded vega adds nothing.
    @Test func theVegaPartWorkedByHand() throws {
        let market = try Self.market(spot: 97_600, vol: 0.55)
        let option = try Instrument(parsing: "BTC-28MAR25-97000-C")
        let pricer = try InstrumentPricer(instrument: option, market: market, horizonYears: 0)
        let up = try InstrumentPricer(instrument: option, market: try Self.market(spot: 97_600, vol: 0.5501), horizonYears: 0)
        let down = try InstrumentPricer(instrument: option, market: try Self.market(spot: 97_600, vol: 0.5499), horizonYears: 0)
        let vegaPerPoint = (up.value - down.value) / 2e-4 / 100
        #expect(abs(pricer.vegaPerVolPoint(rate: 0) - vegaPerPoint) <= 1e-6 * vegaPerPoint, "\(pricer.vegaPerVolPoint(rate: 0))")
        #expect(abs(vegaPerPoint - 124) < 3, "\(vegaPerPoint)")
        let addOn = LiquidityAddOn(impact: 0.5, averageDailyVolume: ["BTC": 10_000], vegaVolume: ["BTC": 50_000])
        let short = Account(id: "short", collateral: [], positions: [.init(instrument: option, quantity: -100)])
        let vegas = addOn.netVegas(of: short, pricers: [option.name: pricer], market: market)
        let v = -100 * vegaPerPoint
        let e = 100 * v * 0.55 * 1.2 / 365.0.squareRoot()
        let btc = try #require(vegas["BTC"])
        #expect(abs(btc.perVolPoint - v) <= 1e-6 * abs(v) && abs(btc.dailyMove - e) <= 1e-6 * abs(e))
        let expected = 0.5 * abs(e) * (abs(v) / 50_000).squareRoot()
        let part = addOn.vegaRequirement(vegas: vegas)
        #expect(abs(part - expected) <= 1e-6 * expected && abs(part - 10_700) < 400, "\(part)")
        let double = Account(id: "double", collateral: [], positions: [.init(instrument: option, quantity: -200)])
        let twice = addOn.vegaRequirement(vegas: addOn.netVegas(of: double, pricers: [option.name: pricer], market: market))
        #expect(abs(twice / part - 2 * 2.0.squareRoot()) < 1e-12)
        let noVegaVolume = LiquidityAddOn(impact: 0.5, averageDailyVolume: ["BTC": 10_000])
        #expect(noVegaVolume.netVegas(of: short, pricers: [option.name: pricer], market: market).isEmpty)
    }

    /// Through a whole run the add-on is IM's last component.
    @Test func theAddOnIsIMsLastComponent() throws {
        let addOn = LiquidityAddOn(impact: 0.5, averageDailyVolume: ["BTC": 10_000, "ETH": 1e6])
        let plan = try StressTestTests.plan([try StressTestTests.account("long", [("BTC_USDC-PERPETUAL", 100)])], stress: [],
                                            margin: MarginPolicy(liquidity: addOn))
        let risk = try #require(try LocalRunner(plan: plan, threads: 2).run().accounts.first)
        #expect(abs(risk.margin.components.liquidityAddOn - 14_048.7) < 0.05)
        #expect(risk.margin.initialMargin == risk.margin.components.base + 0 + 0 + risk.margin.components.liquidityAddOn)
        #expect(risk.netDeltas == ["BTC": 100])
    }
}

/// The anti-procyclicality buffer (EMIR RTS 153/2013 art. 28(1)(a)), worked by hand.
@Suite struct AntiProcyclicalityTests {
    /// B = 1,000, a stress component of 1,600 (combine max: C = 1,600), a short-option
    /// minimum of 1,800 (uplift 200), a liquidity add-on of 50: calculated margin 1,850,
    /// a 25% buffer adds 462.5, IM 2,312.5; released, IM is 1,850 again.
    @Test func theBufferIsAShareOfTheCalculatedMarginUntilReleased() {
        let held = MarginPolicy(antiProcyclicality: AntiProcyclicality())
        let margin = held.margin(equity: 10_000, valueAtRisk: 900, expectedShortfall: 1_000, stressComponent: 1_600,
                                 shortOptionMinimum: 1_800, liquidityAddOn: 50)
        let c = margin.components
        #expect(c.base == 1_000 && c.stressUplift == 600 && c.shortOptionUplift == 200 && c.liquidityAddOn == 50)
        #expect(c.antiProcyclicalityBuffer == 462.5)
        #expect(margin.initialMargin == 2_312.5)
        #expect(margin.maintenanceMargin == 0.8 * 2_312.5)
        let released = MarginPolicy(antiProcyclicality: AntiProcyclicality(rate: 0.25, released: true))
            .margin(equity: 10_000, valueAtRisk: 900, expectedShortfall: 1_000, stressComponent: 1_600,
                    shortOptionMinimum: 1_800, liquidityAddOn: 50)
        #expect(released.initialMargin == 1_850 && released.components.antiProcyclicalityBuffer == 0)
        #expect(MarginPolicy().margin(equity: 0, valueAtRisk: 1, expectedShortfall: 2).components.antiProcyclicalityBuffer == 0)
    }

    /// The lookback floor (art. 28(1)(c)), by hand. B = 1,000, a stress component of 1,200
    /// (combine max: C = 1,200), a short-option minimum of 1,300 (uplift 100), a liquidity
    /// add-on of 50: K = 1,350. Under the floor's scenarios ES 1,500: C = 1,500, no
    /// short-option uplift, K_10y = 1,550, so F = 200 and IM = 1,550 (MM 1,240, equity
    /// 1,400 a margin call where the calculated margin alone said ok). ES 1,100 under
    /// the floor: the stress still binds, K_10y = 1,350 = K, F = 0. With measure: var the
    /// floor's VaR is its base.
    @Test func theFloorIsTheMarginOfTheLookbackScenarios() {
        let policy = MarginPolicy()
        let floored = policy.margin(equity: 1_400, valueAtRisk: 900, expectedShortfall: 1_000, stressComponent: 1_200,
                                    shortOptionMinimum: 1_300, liquidityAddOn: 50,
                                    lookbackFloor: (valueAtRisk: 1_300, expectedShortfall: 1_500))
        let c = floored.components
        #expect(c.base == 1_000 && c.stressUplift == 200 && c.shortOptionUplift == 100 && c.liquidityAddOn == 50)
        #expect(c.lookbackFloorMargin == 1_550 && c.lookbackFloorUplift == 200 && c.antiProcyclicalityBuffer == 0)
        #expect(floored.initialMargin == 1_550 && floored.maintenanceMargin == 1_240 && floored.status == .marginCall)
        let unfloored = policy.margin(equity: 1_400, valueAtRisk: 900, expectedShortfall: 1_000, stressComponent: 1_200,
                                      shortOptionMinimum: 1_300, liquidityAddOn: 50)
        #expect(unfloored.initialMargin == 1_350 && unfloored.status == .ok && unfloored.components.lookbackFloorMargin == nil)
        let notBinding = policy.margin(equity: 1_400, valueAtRisk: 900, expectedShortfall: 1_000, stressComponent: 1_200,
                                       shortOptionMinimum: 1_300, liquidityAddOn: 50,
                                       lookbackFloor: (valueAtRisk: 1_000, expectedShortfall: 1_100))
        #expect(notBinding.components.lookbackFloorMargin == 1_350 && notBinding.components.lookbackFloorUplift == 0)
        #expect(notBinding.initialMargin == 1_350)
        let byVaR = MarginPolicy(measure: .var).margin(equity: 0, valueAtRisk: 900, expectedShortfall: 1_000,
                                                       lookbackFloor: (valueAtRisk: 1_300, expectedShortfall: 5_000))
        #expect(byVaR.components.lookbackFloorUplift == 400 && byVaR.initialMargin == 1_300)
    }
}

/// Coin-margined accounts (`Account.marginCoin`), worked by hand in BTC at S = 97,600.
@Suite struct CoinMarginedAccountTests {
    /// - 1 BTC of collateral, measured in BTC, never gains or loses: IM 0, equity 0.9 BTC
    ///   after its 10% haircut.
    /// - 100,000 USD, measured in BTC, loses 100,000 (1/S - 1/S') BTC when BTC rises: with
    ///   S' = S exp(a Z - a^2/2), a = 0.55 sqrt(2/365), its 99% VaR is
    ///   (100,000 / S) (1 - exp(-(a z - a^2/2))), z = Phi^-1(0.99), which must lie in the
    ///   run's 95% order-statistic interval; BTC +25% loses (100,000 / S) x 0.2 BTC.
    /// - A short call 130,000 has a minimum of 0.1 BTC (0.1 S in USD, over S).
    @Test func lossesEquityAndMarginAreInTheCoin() throws {
        let accounts = [
            Account(id: "coins", collateral: [.init(currency: "BTC", amount: 1)], positions: [], marginCoin: "BTC"),
            Account(id: "dollars", collateral: [.init(currency: "USD", amount: 100_000)], positions: [], marginCoin: "BTC"),
            Account(id: "call", collateral: [.init(currency: "BTC", amount: 1)],
                    positions: [try Fixtures.position("BTC-28MAR25-130000-C", -1)], marginCoin: "BTC"),
        ]
        let crash = StressScenario(name: "BTC +25%", kind: .hypothetical, logReturns: ["BTC": log1p(0.25)])
        let plan = try StressTestTests.plan(accounts, stress: [crash],
                                            margin: MarginPolicy(shortOptionMinimum: ShortOptionMinimum()), scenarios: 20_000)
        let result = try LocalRunner(plan: plan, threads: 2).run()
        let (coins, dollars, call) = (result.accounts[0], result.accounts[1], result.accounts[2])
        #expect(coins.currency == "BTC" && dollars.currency == "BTC")
        #expect(abs(coins.equity - 0.9) < 1e-15)
        #expect(abs(coins.estimates[0].valueAtRisk) < 1e-12 && coins.margin.initialMargin < 1e-12)
        #expect(abs(dollars.equity - 100_000 / 97_600) < 1e-15)
        let a = 0.55 * (2.0 / 365).squareRoot(), z = 2.3263478740408408
        let closedForm = 100_000 / 97_600 * (1 - exp(-(a * z - a * a / 2)))
        let interval = dollars.estimates[0].valueAtRiskInterval95
        #expect(interval.contains(closedForm), "\(closedForm) outside \(interval)")
        let stressLoss = try #require(dollars.stress?.scenarioLosses.first)
        #expect(abs(stressLoss - 100_000 / 97_600 * 0.2) <= 1e-9 * stressLoss)
        #expect(abs(try #require(call.shortOptionMinimum) - 0.1) < 1e-12)
    }
}
