/// What `tailgrid synth` is asked for, checked: every count within bounds a book of any
/// clearinghouse's size needs and a machine can write, the coins known and distinct.
public struct SynthSpec: Sendable, Equatable {
    public let accounts: Int
    public let coins: [SynthCoin]
    public let expiries: Int
    public let strikes: Int
    public let positionsPerAccount: Int
    public let seed: UInt64
    public let scenarios: Int
    public let chunkSize: Int
    public let name: String

    public static let maxAccounts = 1_000_000
    public static let maxExpiries = 24
    public static let maxStrikes = 200
    public static let maxPositionsPerAccount = 200
    /// About 200 MB of positions CSV.
    public static let maxPositionRows = 5_000_000

    public init(accounts: Int, underlyings: [String], expiries: Int, strikes: Int, positionsPerAccount: Int = 5, seed: UInt64,
                scenarios: Int = 100_000, chunkSize: Int = 8192, name: String = "synth") throws(SynthError) {
        guard (1...Self.maxAccounts).contains(accounts) else {
            throw SynthError("--accounts", "must be from 1 to \(Self.maxAccounts), got \(accounts)")
        }
        guard (1...Self.maxExpiries).contains(expiries) else {
            throw SynthError("--expiries", "must be from 1 to \(Self.maxExpiries), got \(expiries)")
        }
        guard (1...Self.maxStrikes).contains(strikes) else {
            throw SynthError("--strikes", "must be from 1 to \(Self.maxStrikes), got \(strikes)")
        }
        guard (1...Self.maxPositionsPerAccount).contains(positionsPerAccount) else {
            throw SynthError("--positions", "must be from 1 to \(Self.maxPositionsPerAccount), got \(positionsPerAccount)")
        }
        guard accounts * positionsPerAccount <= Self.maxPositionRows else {
            throw SynthError("--positions", "\(accounts) accounts x \(positionsPerAccount) positions exceed \(Self.maxPositionRows) rows of positions")
        }
        guard (1...10_000_000).contains(scenarios) else {
            throw SynthError("--scenarios", "must be from 1 to 10000000, got \(scenarios)")
        }
        guard (256...1_048_576).contains(chunkSize) else {
            throw SynthError("--chunk-size", "must be from 256 to 1048576, got \(chunkSize)")
        }
        guard !name.isEmpty, name.count <= 64, name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }) else {
            throw SynthError("--name", "must be 1 to 64 letters, digits, '-' or '_'")
        }
        var coins: [SynthCoin] = []
        for symbol in underlyings {
            guard let coin = SynthCoin.named(symbol) else {
                let known = SynthCoin.all.map(\.symbol).joined(separator: ", ")
                throw SynthError("--underlyings", "'\(String(symbol.prefix(20)))' is not one of \(known)")
            }
            guard !coins.contains(coin) else { throw SynthError("--underlyings", "\(symbol) is listed twice") }
            coins.append(coin)
        }
        guard !coins.isEmpty else { throw SynthError("--underlyings", "name at least one coin") }
        self.accounts = accounts
        self.coins = coins
        self.expiries = expiries
        self.strikes = strikes
        self.positionsPerAccount = positionsPerAccount
        self.seed = seed
        self.scenarios = scenarios
        self.chunkSize = chunkSize
        self.name = name
    }
}
