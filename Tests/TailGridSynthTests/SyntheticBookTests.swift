import Foundation
import Testing
import TailGridJob
import TailGridSynth

/// `tailgrid synth`'s books: a pure function of the arguments, the instrument universe the
/// formula says, Deribit's expiry calendar, the strategies it promises, and jobs the engine
/// accepts. Hostile arguments are refused, naming the option.
@Suite struct SyntheticBookTests {
    static func rows(_ book: SyntheticBook) -> [(account: String, instrument: String, quantity: Double)] {
        book.positionsCSV.split(separator: "\n").dropFirst().map { line in
            let cells = line.split(separator: ",")
            return (String(cells[0]), String(cells[1]), Double(cells[2]) ?? .nan)
        }
    }

    @Test func theSameArgumentsWriteTheSameBytesAndAnotherSeedAnotherBook() throws {
        let spec = try SynthSpec(accounts: 300, underlyings: ["BTC", "ETH", "SOL"], expiries: 6, strikes: 12, seed: 42)
        let first = SyntheticBook(spec)
        let second = SyntheticBook(spec)
        #expect(first.jobYAML == second.jobYAML)
        #expect(first.positionsCSV == second.positionsCSV)
        let other = SyntheticBook(try SynthSpec(accounts: 300, underlyings: ["BTC", "ETH", "SOL"], expiries: 6, strikes: 12, seed: 43))
        #expect(other.positionsCSV != first.positionsCSV)
        // The market is the seed's too only through the job's scenario seed.
        #expect(other.jobYAML.contains("seed: 43") && first.jobYAML.contains("seed: 42"))
    }

    /// coins x (1 + E + 2 E K) instruments listed, every one named as Deribit does; the
    /// reference books of the benchmarks.
    @Test(arguments: [(["BTC", "ETH", "SOL"], 2, 4, 57), (["BTC", "ETH", "SOL"], 5, 20, 618), (["BTC", "ETH", "SOL"], 10, 50, 3033),
                      (["XRP", "DOGE"], 3, 7, 92)])
    func theUniverseHasTheListedSize(coins: [String], expiries: Int, strikes: Int, expected: Int) throws {
        let book = SyntheticBook(try SynthSpec(accounts: 50, underlyings: coins, expiries: expiries, strikes: strikes, seed: 1))
        #expect(book.instrumentCount == expected)
        #expect(book.instrumentCount == coins.count * (1 + expiries + 2 * expiries * strikes))
        // Every position's instrument parses (names, strikes with 'd', linear _USDC contracts).
        let loaded = try JobFile.parse(jobBytes: Data(book.jobYAML.utf8), path: "synth.yaml", positions: Data(book.positionsCSV.utf8))
        #expect(loaded.engineJob.accounts.count == 50)
    }

    /// Deribit's calendar after Thursday 2025-02-20 08:00 UTC: three dailies, the Friday
    /// weeklies of the next five weeks, then last-Friday monthlies: 21, 22, 23 and 28 Feb,
    /// 7, 14, 21 and 28 Mar, 25 Apr, 30 May (days counted by hand from the calendar).
    @Test func expiriesFollowDeribitsCalendar() throws {
        let book = SyntheticBook(try SynthSpec(accounts: 400, underlyings: ["BTC"], expiries: 10, strikes: 3, seed: 5))
        #expect(book.jobYAML.contains("expiries_days: [1, 2, 3, 8, 15, 22, 29, 36, 64, 99]"))
        let expiries = Set(Self.rows(book).compactMap { row -> String? in
            let parts = row.instrument.split(separator: "-")
            return parts.count >= 2 && parts[1] != "PERPETUAL" ? String(parts[1]) : nil
        })
        #expect(expiries == ["21FEB25", "22FEB25", "23FEB25", "28FEB25", "7MAR25", "14MAR25", "21MAR25", "28MAR25", "25APR25", "30MAY25"])
    }

    /// The shapes promised: covered calls (a short call and the coin as collateral),
    /// strangles (a short put and a short call of one expiry), calendars (a short call and
    /// a long call of a later expiry), hedges (a long future or perpetual and a long put),
    /// USD and coin collateral; every account holds exactly the positions asked for.
    @Test func accountsHoldTheStrategiesAndTheirCollateral() throws {
        let book = SyntheticBook(try SynthSpec(accounts: 400, underlyings: ["BTC", "ETH", "SOL"], expiries: 4, strikes: 11,
                                               positionsPerAccount: 6, seed: 9))
        let byAccount = Dictionary(grouping: Self.rows(book), by: \.account)
        #expect(byAccount.count == 400)
        #expect(byAccount.values.allSatisfy { $0.count == 6 && Set($0.map(\.instrument)).count == 6 })
        #expect(byAccount.values.allSatisfy { $0.allSatisfy { $0.quantity.isFinite && $0.quantity != 0 } })
        func kind(_ instrument: String) -> String {
            instrument.hasSuffix("-C") ? "call" : instrument.hasSuffix("-P") ? "put" : "linear"
        }
        func expiry(_ instrument: String) -> String { String(instrument.split(separator: "-")[1]) }
        let strangles = byAccount.values.filter { rows in
            rows.contains { a in kind(a.instrument) == "put" && a.quantity < 0
                && rows.contains { b in kind(b.instrument) == "call" && b.quantity < 0 && expiry(b.instrument) == expiry(a.instrument) } }
        }
        let calendars = byAccount.values.filter { rows in
            rows.contains { a in kind(a.instrument) == "call" && a.quantity < 0
                && rows.contains { b in kind(b.instrument) == "call" && b.quantity > 0 && expiry(b.instrument) != expiry(a.instrument) } }
        }
        let hedged = byAccount.values.filter { rows in
            rows.contains { kind($0.instrument) == "linear" && $0.quantity > 0 } && rows.contains { kind($0.instrument) == "put" && $0.quantity > 0 }
        }
        #expect(strangles.count > 20 && calendars.count > 10 && hedged.count > 20, "\(strangles.count) \(calendars.count) \(hedged.count)")
        // Coin collateral beside USD on the accounts with covered calls.
        let accountLines = book.jobYAML.split(separator: "\n").filter { $0.hasPrefix("  - { id: ") }
        #expect(accountLines.count == 400)
        #expect(accountLines.allSatisfy { $0.contains("USD: ") })
        #expect(accountLines.filter { $0.contains("BTC: ") || $0.contains("ETH: ") || $0.contains("SOL: ") }.count > 100)
    }

    @Test func hostileArgumentsAreRefusedNamingTheOption() {
        func refusal(_ make: () throws -> SynthSpec) -> String? {
            do { _ = try make(); return nil } catch let error as SynthError { return error.option } catch { return "\(error)" }
        }
        #expect(refusal { try SynthSpec(accounts: 0, underlyings: ["BTC"], expiries: 1, strikes: 1, seed: 1) } == "--accounts")
        #expect(refusal { try SynthSpec(accounts: -5, underlyings: ["BTC"], expiries: 1, strikes: 1, seed: 1) } == "--accounts")
        #expect(refusal { try SynthSpec(accounts: Int.max, underlyings: ["BTC"], expiries: 1, strikes: 1, seed: 1) } == "--accounts")
        #expect(refusal { try SynthSpec(accounts: 1, underlyings: ["BTC"], expiries: 25, strikes: 1, seed: 1) } == "--expiries")
        #expect(refusal { try SynthSpec(accounts: 1, underlyings: ["BTC"], expiries: 1, strikes: 0, seed: 1) } == "--strikes")
        #expect(refusal { try SynthSpec(accounts: 1, underlyings: ["BTC"], expiries: 1, strikes: 201, seed: 1) } == "--strikes")
        #expect(refusal { try SynthSpec(accounts: 1, underlyings: ["FOO"], expiries: 1, strikes: 1, seed: 1) } == "--underlyings")
        #expect(refusal { try SynthSpec(accounts: 1, underlyings: ["BTC", "BTC"], expiries: 1, strikes: 1, seed: 1) } == "--underlyings")
        #expect(refusal { try SynthSpec(accounts: 1, underlyings: [], expiries: 1, strikes: 1, seed: 1) } == "--underlyings")
        #expect(refusal { try SynthSpec(accounts: 1_000_000, underlyings: ["BTC"], expiries: 1, strikes: 1, positionsPerAccount: 200, seed: 1) } == "--positions")
        #expect(refusal { try SynthSpec(accounts: 1, underlyings: ["BTC"], expiries: 1, strikes: 1, seed: 1, scenarios: 0) } == "--scenarios")
        #expect(refusal { try SynthSpec(accounts: 1, underlyings: ["BTC"], expiries: 1, strikes: 1, seed: 1, chunkSize: 1) } == "--chunk-size")
        #expect(refusal { try SynthSpec(accounts: 1, underlyings: ["BTC"], expiries: 1, strikes: 1, seed: 1, name: "../etc") } == "--name")
        #expect(refusal { try SynthSpec(accounts: 1, underlyings: ["BTC"], expiries: 1, strikes: 1, seed: 1, name: "a: b") } == "--name")
        #expect(refusal { try SynthSpec(accounts: 1, underlyings: [String(repeating: "X", count: 100_000)], expiries: 1, strikes: 1, seed: 1) } == "--underlyings")
    }
}
