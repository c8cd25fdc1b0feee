import Foundation
import Testing
import TailGridCalibration
import TailGridEngine
import TailGridJob
import TailGridTestSupport

/// `stress:` and the new `margin:` keys in job files: historical days from the real price
/// files, the grid's defaults, hypothetical moves, what is refused, and the figures in
/// result.json and accounts.csv.
@Suite struct StressJobTests {
    static func job(stress: String, margin: String = "{ measure: es }", accounts: String? = nil) -> String {
        """
        job: stressed
        valuation_time: 2025-02-20T08:00:00Z
        seed: 5
        scenarios: 4096
        horizon_days: 2
        confidence: 0.99
        chunk_size: 1024
        market:
          rate: 0.0
          underlyings:
            BTC: { spot: 97600, vol: 0.55 }
            ETH: { spot: 2719, vol: 0.70 }
        collateral_haircuts: { BTC: 0.1 }
        margin: \(margin)
        stress:
        \(stress.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        accounts:
        \(accounts ?? """
          - id: long
            collateral: { USD: 100000, BTC: 1.5 }
            positions:
              - { instrument: BTC_USDC-PERPETUAL, quantity: 3 }
          - id: straddle
            collateral: { USD: 100000 }
            positions:
              - { instrument: BTC-28MAR25-97000-C, quantity: -1 }
              - { instrument: BTC-28MAR25-97000-P, quantity: -1 }
        """)

        """
    }

    static var prices: String {
        "prices: { BTC: \(SharedPriceData.path("BTC")), ETH: \(SharedPriceData.path("ETH")) }"
    }

    /// 2020-03-12 (the COVID crash): the 2-day move that began that day is the close of
    /// 13 March over the close of 11 March, read here from the file independently. A long
    /// of 3 linear perpetuals and 1.5 BTC of collateral (moving with the scenarios under
    /// the portfolio convention) loses 4.5 (S - S') with S' = S P(13 Mar) / P(11 Mar).
    @Test func historicalStressIsTheActualMoveOfThoseDays() throws {
        let closes = Dictionary(uniqueKeysWithValues: try SharedPriceData.closes("BTC"))
        let ratio = try #require(closes["2020-03-13"]) / (try #require(closes["2020-03-11"]))
        #expect(ratio < 0.71 && ratio > 0.70, "BTC fell about 30% on 12-13 March 2020")
        let folder = try JobFolder()
        defer { folder.remove() }
        let loaded = try JobFile.load(path: try folder.write("job.yaml", Self.job(stress: """
            \(Self.prices)
            historical: [2020-03-12, 2022-11-09]
            """)))
        let stress = loaded.engineJob.stress
        #expect(stress.scenarios.map(\.name) == ["historical 2020-03-12", "historical 2022-11-09"])
        #expect(loaded.inputs.map(\.key) == ["prices:\(SharedPriceData.path("BTC"))", "prices:\(SharedPriceData.path("ETH"))"])
        let plan = try EnginePlan(loaded.engineJob)
        let result = try LocalRunner(plan: plan, threads: 2).run()
        let long = try #require(result.accounts[0].stress)
        let expected = 4.5 * (97_600 - 97_600 * ratio)
        #expect(abs(long.scenarioLosses[0] - expected) <= 1e-9 * expected, "\(long.scenarioLosses[0]) vs \(expected)")
        // The document names the scenario and its moves.
        let document = ResultDocument(job: loaded, result: result, elapsedSeconds: 0)
        #expect(document.stressScenarios[0].kind == "historical")
        #expect(abs(try #require(document.stressScenarios[0].spotMoves["BTC"]) - (ratio - 1)) <= 1e-12)
        #expect(document.accounts[0].stress?.worst == "historical 2020-03-12")
        // vol_jump multiplies implied vols: the short straddle loses more on the same day.
        let jumped = try JobFile.load(path: try folder.write("jump.yaml", Self.job(stress: """
            \(Self.prices)
            historical: { days: [2020-03-12], vol_jump: 1.5 }
            """)))
        let jumpedResult = try LocalRunner(plan: try EnginePlan(jumped.engineJob), threads: 2).run()
        let straddle = try #require(result.accounts[1].stress)
        let jumpedStraddle = try #require(jumpedResult.accounts[1].stress)
        #expect(jumpedStraddle.scenarioLosses[0] > straddle.scenarioLosses[0])
        #expect(jumpedResult.accounts[0].stress?.scenarioLosses[0] == long.scenarioLosses[0], "a linear book ignores vols")
    }

    /// The figures reach result.json and accounts.csv, and the CSV's components add up to
    /// its initial margin for every account.
    @Test func componentsReachTheFilesAndAddUp() throws {
        let folder = try JobFolder()
        defer { folder.remove() }
        let loaded = try JobFile.load(path: try folder.write("job.yaml", Self.job(stress: """
            grid: { spot_steps: 4 }
            hypothetical:
              - { name: "crash, then more", spot: { BTC: -0.4, ETH: -0.5 }, vol: { BTC: 1.5 } }
            """, margin: "{ combine: blend, base_weight: 0.25, stress_weight: 0.9, short_option_minimum: { floor: 0.12 }, apc: { method: buffer, rate: 0.3 } }")))
        #expect(loaded.engineJob.stress.scenarios.count == (2 * 4 + 1 + 2) * 3 + 1)
        let result = try LocalRunner(plan: try EnginePlan(loaded.engineJob), threads: 2).run()
        let document = ResultDocument(job: loaded, result: result, elapsedSeconds: 0)
        #expect(document.marginCombine == "blend" && document.baseWeight == 0.25 && document.stressWeight == 0.9)
        #expect(document.apc?.method == "buffer" && document.apc?.rate == 0.3 && document.apc?.released == false)
        for account in document.accounts {
            let c = account.marginComponents
            #expect(c.apcBuffer == 0.3 * (c.base + c.stressUplift + c.shortOptionUplift + c.liquidityAddOn))
        }
        let csv = String(decoding: ResultWriter.csvData(document, labels: loaded.confidenceLabels), as: UTF8.self)
        #expect(csv == AccountsCSVOracle.csv(document, labels: loaded.confidenceLabels))
        let lines = csv.split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        func column(_ name: String) throws -> Int { try #require(header.firstIndex(of: name)) }
        for (index, line) in lines.dropFirst().enumerated() {
            // The worst scenario may be the quoted hypothetical: split on commas outside quotes.
            var fields: [String] = [""]
            var quoted = false
            for character in line {
                if character == "\"" { quoted.toggle() } else if character == ",", !quoted { fields.append("") } else { fields[fields.count - 1].append(character) }
            }
            func value(_ name: String) throws -> Double { try #require(Double(fields[try column(name)])) }
            let sum = try value("base_margin") + value("stress_uplift") + value("short_option_uplift")
                + value("liquidity_add_on") + value("apc_buffer")
            #expect(sum == (try value("initial_margin")))
            let entry = document.accounts[index]
            #expect(try value("stress_component") == entry.stress?.component)
            #expect(fields[try column("worst_stress")] == entry.stress?.worst)
            let worst = try #require(entry.stress?.losses.values.max())
            #expect(abs(try value("stress_component") - 0.9 * max(0, worst)) <= 1e-9 * max(1, worst))
        }
        // The straddle's minimum: the 97,000 call is in the money (0.15 S), the put 600 out
        // of it ((0.15 - 600 / S) S), both above the 0.12 floor.
        let straddle = document.accounts[1].marginComponents
        let minimum = try #require(straddle.shortOptionMinimum)
        #expect(abs(minimum - (2 * 0.15 * 97_600 - 600)) <= 1e-6, "\(minimum)")
        let json = try ResultWriter.jsonData(document)
        let decoded = try JSONDecoder().decode(ResultDocument.self, from: json)
        #expect(decoded == document)
    }

    /// `vega_adv` adds the vega part: the straddle's net vega is short, its figure in
    /// result.json is the pricer's, and the add-on grows by exactly the engine's vega rule
    /// (`LiquidityAddOnTests` works the rule by hand). Bad values are refused at the key.
    @Test func theVegaPartOfTheLiquidityAddOn() throws {
        let folder = try JobFolder()
        defer { folder.remove() }
        func load(_ margin: String, volOfVol: Bool = true) throws -> LoadedJob {
            var text = Self.job(stress: "grid: { spot_steps: 2 }", margin: margin)
            if volOfVol { text = text.replacingOccurrences(of: "BTC: { spot: 97600, vol: 0.55 }", with: "BTC: { spot: 97600, vol: 0.55, vol_of_vol: 1.2 }") }
            return try JobFile.load(path: try folder.write("job.yaml", text))
        }
        let with = try load("{ liquidity: { vega_adv: { BTC: 50000 }, \(Self.prices) } }")
        let without = try load("{ liquidity: { \(Self.prices) } }")
        let addOn = try #require(with.engineJob.margin.liquidity)
        #expect(addOn.vegaVolume == ["BTC": 50_000])
        let result = try LocalRunner(plan: try EnginePlan(with.engineJob), threads: 2).run()
        let plain = try LocalRunner(plan: try EnginePlan(without.engineJob), threads: 2).run()
        let plan = try EnginePlan(with.engineJob)
        let pricers = Dictionary(uniqueKeysWithValues: plan.evaluator.instruments.map { ($0.instrument.name, $0) })
        let straddle = with.engineJob.accounts[1]
        let vegas = addOn.netVegas(of: straddle, pricers: pricers, market: with.engineJob.market)
        let btc = try #require(vegas["BTC"])
        #expect(btc.perVolPoint < 0, "short a straddle is short vega")
        #expect(result.accounts[1].netVegas == ["BTC": btc.perVolPoint])
        #expect(result.accounts[0].netVegas == nil || result.accounts[0].netVegas == [:], "a perpetual has no vega")
        let extra = result.accounts[1].margin.components.liquidityAddOn - plain.accounts[1].margin.components.liquidityAddOn
        #expect(abs(extra - addOn.vegaRequirement(vegas: vegas)) <= 1e-9 * extra && extra > 0)
        let document = ResultDocument(job: with, result: result, elapsedSeconds: 0)
        #expect(document.accounts[1].marginComponents.netVegas == ["BTC": btc.perVolPoint])

        for (margin, volOfVol, field, says) in [
            ("{ vega_adv: { BTC: .nan } }", true, "margin.liquidity.vega_adv.BTC", "expected a number"),
            ("{ vega_adv: { BTC: 1e308 } }", true, "margin.liquidity.vega_adv.BTC", "USD per vol point"),
            ("{ vega_adv: { BTC: -5 } }", true, "margin.liquidity.vega_adv.BTC", "USD per vol point"),
            ("{ vega_adv: { BTC: 0 } }", true, "margin.liquidity.vega_adv.BTC", "USD per vol point"),
            ("{ vega_adv: { BTC: \"\" } }", true, "margin.liquidity.vega_adv.BTC", "expected a number"),
            ("{ vega_adv: { XRP: 5 } }", true, "margin.liquidity.vega_adv.XRP", "not in market.underlyings"),
            ("{ vega_adv: 5 }", true, "margin.liquidity.vega_adv", "mapping"),
            ("{ vega_adv: { BTC: 50000 } }", false, "margin.liquidity.vega_adv.BTC", "vol_of_vol"),
        ] {
            let liquidity = margin.replacingOccurrences(of: " }", with: ", \(Self.prices) }", options: .backwards,
                                                        range: margin.range(of: " }", options: .backwards))
            do {
                _ = try load("{ liquidity: \(liquidity) }", volOfVol: volOfVol)
                Issue.record("\(margin): loaded")
            } catch let error as JobError {
                #expect(error.exitCode == 65 && error.field == field && error.description.contains(says), "\(margin): \(error)")
            }
        }
    }

    /// The liquidity add-on's ADV is the mean of volume / close over the 30 days ending the
    /// day before valuation_time (2025-01-21 to 2025-02-19), read here from the file
    /// independently; the long account's 4.5 BTC (3 perpetuals, 1.5 BTC collateral) then
    /// costs 0.5 x 0.55 / sqrt(365) x 97,600 x 4.5 x sqrt(4.5 / ADV).
    @Test func theLiquidityAddOnReadsTheVolumesOfThePriceFiles() throws {
        let text = try String(contentsOfFile: SharedPriceData.path("BTC"), encoding: .utf8)
        var coins: [String: Double] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",")
            guard fields.count == 6, let close = Double(fields[4]), let volume = Double(fields[5]) else { continue }
            coins[String(fields[0])] = volume / close
        }
        let window = (0..<30).map { CalendarDay.text(CalendarDay.day("2025-02-19")! - $0) }
        let adv = try window.map { try #require(coins[$0]) }.reduce(0, +) / 30
        let folder = try JobFolder()
        defer { folder.remove() }
        let loaded = try JobFile.load(path: try folder.write("job.yaml", Self.job(
            stress: "grid: { spot_steps: 2 }",
            margin: "{ liquidity: { impact: 0.5, adv_days: 30, volume_unit: usd, \(Self.prices) } }")))
        #expect(abs(try #require(loaded.engineJob.margin.liquidity?.averageDailyVolume["BTC"]) / adv - 1) < 1e-12)
        let result = try LocalRunner(plan: try EnginePlan(loaded.engineJob), threads: 2).run()
        let expected = 0.5 * 0.55 / 365.0.squareRoot() * 97_600 * 4.5 * (4.5 / adv).squareRoot()
        let long = result.accounts[0].margin.components
        #expect(abs(long.liquidityAddOn - expected) <= 1e-9 * expected, "\(long.liquidityAddOn) vs \(expected)")
        for risk in result.accounts {
            let c = risk.margin.components
            #expect(risk.margin.initialMargin == c.base + c.stressUplift + c.shortOptionUplift + c.liquidityAddOn)
        }
        // Without price files it is refused at the key.
        do {
            _ = try JobFile.parse(jobBytes: Data(Self.job(stress: "grid: {}", margin: "{ liquidity: {} }").utf8),
                                  path: "job.yaml", positions: nil)
            Issue.record("loaded")
        } catch {
            #expect(error.field == "margin.liquidity" && error.description.contains("the liquidity add-on needs daily price files"), "\(error)")
        }
    }

    /// `previous_result`: each account's IM change and whether its margin call is new
    /// (not ok now, ok or absent then), in result.json, accounts.csv and the digest.
    @Test func aPreviousResultGivesIMChangesAndNewCalls() throws {
        let folder = try JobFolder()
        defer { folder.remove() }
        try folder.write("previous.json", """
            { "job": "yesterday", "input_sha256": "ab12", "engine_version": "x", "accounts": [
              { "id": "long", "initial_margin": 1000, "status": "ok", "extra": [1, 2] },
              { "id": "straddle", "initial_margin": 5, "status": "margin_call" },
              { "id": "caller", "initial_margin": 10, "status": "ok" },
              { "id": "closed", "initial_margin": 99, "status": "ok" } ] }
            """)
        let accounts = """
              - id: long
                collateral: { USD: 100000, BTC: 1.5 }
                positions:
                  - { instrument: BTC_USDC-PERPETUAL, quantity: 3 }
              - id: straddle
                collateral: { USD: 100 }
                positions:
                  - { instrument: BTC-28MAR25-97000-C, quantity: -1 }
              - id: caller
                collateral: { USD: 100 }
                positions:
                  - { instrument: BTC_USDC-PERPETUAL, quantity: 1 }
              - id: fresh
                collateral: { USD: 100 }
                positions:
                  - { instrument: BTC_USDC-PERPETUAL, quantity: -1 }
            """
        let text = Self.job(stress: "grid: { spot_steps: 2 }", accounts: accounts)
            .replacingOccurrences(of: "job: stressed", with: "job: stressed\nprevious_result: previous.json")
        let loaded = try JobFile.load(path: try folder.write("job.yaml", text))
        #expect(loaded.inputs.map(\.key) == ["previous:previous.json"])
        let result = try LocalRunner(plan: try EnginePlan(loaded.engineJob), threads: 2).run()
        let document = ResultDocument(job: loaded, result: result, elapsedSeconds: 0)
        #expect(document.previousResult?.job == "yesterday" && document.previousResult?.inputSHA256 == "ab12")
        let changes = try document.accounts.map { try #require($0.previous) }
        #expect(changes[0].imChange == document.accounts[0].initialMargin - 1000)
        #expect(document.accounts[0].status == "ok" && !changes[0].newMarginCall)
        #expect(document.accounts[1].status != "ok" && !changes[1].newMarginCall, "already called yesterday")
        #expect(document.accounts[2].status != "ok" && changes[2].newMarginCall, "ok yesterday, called today")
        #expect(changes[3].initialMargin == nil && changes[3].status == nil && changes[3].newMarginCall)
        #expect(changes[3].imChange == document.accounts[3].initialMargin)
        let csv = String(decoding: ResultWriter.csvData(document, labels: loaded.confidenceLabels), as: UTF8.self)
        #expect(csv == AccountsCSVOracle.csv(document, labels: loaded.confidenceLabels))
        #expect(csv.split(separator: "\n")[0].hasSuffix(",im_change,new_margin_call,margin_currency"))
        #expect(csv.split(separator: "\n")[3].hasSuffix(",true,USD"))
        // Hostile previous files: refused with the file and the field.
        for (body, says) in [("{", "not a TailGrid result.json"), ("[]", "not a TailGrid result.json"),
                             (#"{"job":"j","input_sha256":"x","accounts":[{"id":"a","initial_margin":-1,"status":"ok"}]}"#, "at least 0"),
                             (#"{"job":"j","input_sha256":"x","accounts":[{"id":"a","initial_margin":1e999,"status":"ok"}]}"#, "not a TailGrid"),
                             (#"{"job":"j","input_sha256":"x","accounts":[{"id":"a","initial_margin":1,"status":"fine"}]}"#, "expected ok"),
                             (#"{"job":"j","input_sha256":"x","accounts":[{"id":"a","initial_margin":1,"status":"ok"},{"id":"a","initial_margin":2,"status":"ok"}]}"#, "appears twice")] {
            try folder.write("previous.json", body)
            let path = try folder.write("job.yaml", text)
            do {
                _ = try JobFile.load(path: path)
                Issue.record("\(body) loaded")
            } catch {
                #expect(error.exitCode == 65 && error.file == "previous.json", "\(error)")
                #expect(error.description.contains(says), "\(error)")
            }
        }
        try FileManager.default.removeItem(atPath: folder.path + "/previous.json")
        let path = try folder.write("job.yaml", text)
        #expect(throws: JobError.self) { try JobFile.load(path: path) }
    }

    /// `margin_currency` per account: a coin of the market, under the portfolio
    /// convention; the result and accounts.csv say which currency each row is in.
    @Test func coinMarginedAccountsAreDecodedAndReported() throws {
        let accounts = """
              - id: btc-margined
                margin_currency: BTC
                collateral: { BTC: 2 }
                positions:
                  - { instrument: BTC-PERPETUAL, quantity: -50000 }
              - id: usd
                margin_currency: USD
                collateral: { USD: 1000 }
            """
        let loaded = try JobFile.parse(jobBytes: Data(Self.job(stress: "grid: {}", accounts: accounts).utf8), path: "job.yaml",
                                       positions: nil)
        #expect(loaded.engineJob.accounts.map(\.marginCoin) == ["BTC", nil])
        let result = try LocalRunner(plan: try EnginePlan(loaded.engineJob), threads: 2).run()
        let document = ResultDocument(job: loaded, result: result, elapsedSeconds: 0)
        #expect(document.accounts.map(\.marginCurrency) == ["BTC", "USD"])
        #expect(abs(document.accounts[0].equity - 1.8) < 1e-12, "2 BTC at a 10% haircut")
        let csv = String(decoding: ResultWriter.csvData(document, labels: loaded.confidenceLabels), as: UTF8.self)
        #expect(csv == AccountsCSVOracle.csv(document, labels: loaded.confidenceLabels))
        #expect(csv.split(separator: "\n")[1].hasSuffix(",BTC"))
        for (currency, margin, says) in [("XRP", "{ measure: es }", "expected USD or an underlying"),
                                         ("BTC", "{ collateral: haircut }", "margin.collateral: portfolio")] {
            let bad = Self.job(stress: "grid: {}", margin: margin,
                               accounts: accounts.replacingOccurrences(of: "margin_currency: BTC", with: "margin_currency: \(currency)"))
            do {
                _ = try JobFile.parse(jobBytes: Data(bad.utf8), path: "job.yaml", positions: nil)
                Issue.record("\(currency) loaded")
            } catch {
                #expect(error.field == "accounts[0].margin_currency" && error.description.contains(says), "\(error)")
            }
        }
    }

    struct Refusal: Sendable, CustomStringConvertible {
        let stress: String
        var margin = "{ measure: es }"
        let field: String
        let says: String
        var description: String { "\(field): \(says)" }
    }

    static let refusals: [Refusal] = [
        Refusal(stress: "historical: [2020-03-12]", field: "stress.historical", says: "needs daily price files"),
        Refusal(stress: "prices: { BTC: x.csv }", field: "stress.prices", says: "historical stress only"),
        Refusal(stress: "grid: { spot_range: 2 }", field: "stress.grid.spot_range", says: "[0.001, 0.999]"),
        Refusal(stress: "grid: { spot_range: .nan }", field: "stress.grid.spot_range", says: "expected"),
        Refusal(stress: "grid: { spot_steps: 0 }", field: "stress.grid.spot_steps", says: "1"),
        Refusal(stress: "grid: { vol_down: 1.5 }", field: "stress.grid.vol_down", says: "[0, 1]"),
        Refusal(stress: "grid: { extended: [-1] }", field: "stress.grid.extended[0]", says: "more than -1"),
        Refusal(stress: "grid: { extended: [1e308] }", field: "stress.grid.extended[0]", says: "(-1, 100]"),
        Refusal(stress: "grid: { step: 3 }", field: "stress.grid.step", says: "unknown key"),
        Refusal(stress: "hypothetical: [{ name: a, spot: { XRP: -0.5 } }]", field: "stress.hypothetical[0].spot.XRP",
                says: "not an underlying"),
        Refusal(stress: "hypothetical: [{ name: a, spot: { BTC: -1 } }]", field: "stress.hypothetical[0].spot.BTC",
                says: "more than -1"),
        Refusal(stress: "hypothetical: [{ name: a, spot: { BTC: .inf } }]", field: "stress.hypothetical[0].spot.BTC",
                says: "expected a number"),
        Refusal(stress: "hypothetical: [{ name: a, vol: { BTC: 0 } }]", field: "stress.hypothetical[0].vol.BTC",
                says: "(0, 20)"),
        Refusal(stress: "hypothetical: [{ name: \"bell\\u0007\" }]", field: "stress.hypothetical[0].name",
                says: "control characters"),
        Refusal(stress: "hypothetical: [{ spot: { BTC: 0.1 } }]", field: "stress.hypothetical[0].name", says: "missing"),
        Refusal(stress: "hypothetical: [{ name: a }, { name: a }]", field: "stress.hypothetical[1]", says: "appears twice"),
        Refusal(stress: "hypothetical: { name: a }", field: "stress.hypothetical", says: "expected a list"),
        Refusal(stress: "grid: { spot_steps: 100 }\nhypothetical: [{ name: a }]\ngrid2: 1", field: "stress.grid2",
                says: "unknown key"),
        Refusal(stress: "dependence: { confidence: 1 }", field: "stress.dependence.confidence", says: "(0, 1)"),
        Refusal(stress: "dependence: { level: 0.99 }", field: "stress.dependence.level", says: "unknown key"),
        Refusal(stress: "dependence: 0.99", field: "stress.dependence", says: "expected a mapping"),
        Refusal(stress: "grid: {}", margin: "{ base_weight: 0.5 }", field: "margin.base_weight", says: "blend only"),
        Refusal(stress: "grid: {}", margin: "{ combine: blend, base_weight: 1.5 }", field: "margin.base_weight", says: "[0, 1]"),
        Refusal(stress: "grid: {}", margin: "{ combine: sum }", field: "margin.combine", says: "max"),
        Refusal(stress: "grid: {}", margin: "{ stress_weight: -1 }", field: "margin.stress_weight", says: "[0, 100]"),
        Refusal(stress: "grid: {}", margin: "{ short_option_minimum: { floor: 2 } }", field: "margin.short_option_minimum.floor",
                says: "[0, 1]"),
        Refusal(stress: "grid: {}", margin: "{ short_option_minimum: { underlyings: { XRP: {} } } }",
                field: "margin.short_option_minimum.underlyings.XRP", says: "not in market.underlyings"),
        Refusal(stress: "grid: {}", margin: "{ liquidity: { impact: -1 } }", field: "margin.liquidity.impact", says: "[0, 100]"),
        Refusal(stress: "grid: {}", margin: "{ liquidity: { adv_days: 0 } }", field: "margin.liquidity.adv_days", says: "1"),
        Refusal(stress: "grid: {}", margin: "{ liquidity: { volume_unit: eur } }", field: "margin.liquidity.volume_unit",
                says: "usd"),
        Refusal(stress: "grid: {}", margin: "{ apc: { method: floor } }", field: "margin.apc.method", says: "expected buffer"),
        Refusal(stress: "grid: {}", margin: "{ apc: { rate: 0.25 } }", field: "margin.apc.method", says: "missing"),
        Refusal(stress: "grid: {}", margin: "{ apc: { method: buffer, rate: 0.1 } }", field: "margin.apc.rate", says: "at least 25%"),
        Refusal(stress: "grid: {}", margin: "{ apc: { method: buffer, released: maybe } }", field: "margin.apc.released",
                says: "true or false"),
        Refusal(stress: "grid: {}", margin: "{ short_option_minimum: { a: 0.1 } }", field: "margin.short_option_minimum.a",
                says: "unknown key"),
    ]

    /// Each refused with exit code 65, naming the field.
    @Test(arguments: refusals)
    func badStressOrMarginKeysAreRefused(_ refusal: Refusal) throws {
        let text = Self.job(stress: refusal.stress, margin: refusal.margin)
        do {
            _ = try JobFile.parse(jobBytes: Data(text.utf8), path: "job.yaml", positions: nil)
            Issue.record("\(refusal): loaded without error")
        } catch {
            #expect(error.exitCode == 65)
            #expect(error.field == refusal.field, "\(error)")
            #expect(error.description.contains(refusal.says), "\(error)")
        }
    }

    /// Under fhs there is no correlation matrix to stress: refused at the key.
    @Test func theDependenceStressIsRefusedUnderFHS() throws {
        let folder = try CalibrationJobTests.folder()
        defer { folder.remove() }
        let text = CalibrationJobTests.job(model: "{ kind: fhs, lookback_days: 50 }",
                                           extra: "stress: { dependence: { confidence: 0.99 } }")
        let path = try folder.write("job.yaml", text)
        do {
            _ = try JobFile.load(path: path)
            Issue.record("loaded")
        } catch {
            #expect(error.exitCode == 65)
            #expect(error.field == "stress.dependence", "\(error)")
            #expect(error.description.contains("fhs"), "\(error)")
        }
        // The same job with a parametric model takes it.
        let gaussian = try JobFile.load(path: try folder.write("g.yaml", CalibrationJobTests.job(
            extra: "stress: { dependence: { confidence: 0.99 } }")))
        #expect(gaussian.engineJob.dependence == DependenceStress(confidence: 0.99))
    }

    /// Days whose move is not in the file, or not known at valuation time, are refused
    /// with the file and the days named.
    @Test func historicalDaysOutsideTheFilesAreRefused() throws {
        let folder = try JobFolder()
        defer { folder.remove() }
        for (days, says) in [("[2012-01-01]", "has no close for 2011-12-31"), ("[2025-02-19]", "not known at valuation_time"),
                             ("[12 March]", "expected a date")] {
            let path = try folder.write("job.yaml", Self.job(stress: "\(Self.prices)\nhistorical: \(days)"))
            do {
                _ = try JobFile.load(path: path)
                Issue.record("\(days) loaded")
            } catch {
                #expect(error.exitCode == 65)
                #expect(error.field == "stress.historical[0]", "\(error)")
                #expect(error.description.contains(says), "\(error)")
            }
        }
    }
}
