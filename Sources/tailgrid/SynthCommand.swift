import ArgumentParser
import Foundation
import TailGridSynth

/// `tailgrid synth`: a Deribit-like book of any size for benchmarks and rehearsals.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic Deribit-like book (job.yaml and positions.csv) of any size, deterministic by seed.",
        discussion: """
            Each coin lists a perpetual, a future per expiry and a call and a put per strike and expiry: \
            coins x (1 + E + 2 E K) instruments, with a smile per coin. Accounts hold covered calls, strangles, \
            risk reversals, calendars, hedged and naked futures, straddles and call spreads, with USD and coin \
            collateral. The same arguments write the same bytes. Exit 64 bad arguments, 73 cannot write --out.
            """
    )

    @Option(name: .long, help: "Accounts (1 to 1000000).")
    var accounts: Int

    @Option(name: .long, help: "Coins, comma-separated, from: \(SynthCoin.all.map(\.symbol).joined(separator: ",")).")
    var underlyings: String = "BTC,ETH,SOL"

    @Option(name: .long, help: "Expiries listed per coin (1 to 24): dailies, weeklies, monthlies, quarterlies.")
    var expiries: Int = 4

    @Option(name: .long, help: "Strikes listed per expiry (1 to 200).")
    var strikes: Int = 11

    @Option(name: .long, help: "Positions per account (1 to 200).")
    var positions: Int = 5

    @Option(name: .long, help: "Seed of the book (and of the job's scenarios).")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Scenarios of the job.")
    var scenarios: Int = 100_000

    @Option(name: .long, help: "chunk_size of the job.")
    var chunkSize: Int = 8192

    @Option(name: .long, help: "Name of the job.")
    var name: String = "synth"

    @Option(name: .long, help: "Folder to write (must not exist, or be empty).")
    var out: String

    func run() throws {
        let spec: SynthSpec
        do {
            spec = try SynthSpec(accounts: accounts, underlyings: underlyings.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) },
                                 expiries: expiries, strikes: strikes, positionsPerAccount: positions, seed: seed,
                                 scenarios: scenarios, chunkSize: chunkSize, name: name)
        } catch {
            FileHandle.standardError.write(Data("tailgrid: error: \(error)\n".utf8))
            throw ExitCode(64)
        }
        let book = SyntheticBook(spec)
        do {
            try book.write(to: URL(fileURLWithPath: out))
        } catch {
            FileHandle.standardError.write(Data("tailgrid: error: \(error)\n".utf8))
            throw ExitCode(73)
        }
        print("\(out)/job.yaml: \(spec.accounts) accounts, \(book.positionCount) positions over \(book.instrumentCount) instruments of \(spec.coins.count) coins")
    }
}
