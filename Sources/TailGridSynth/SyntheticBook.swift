import Foundation

/// A Deribit-like book of any size, a pure function of its `SynthSpec` (seed included):
/// a job file (market with a smile per coin, a one-factor spot correlation, vol factors
/// for BTC and ETH, collateral haircuts, every account with USD and coin collateral) and
/// a positions CSV in which each account holds strategies (`SynthStrategy`) across the
/// coins' chains (`SynthUniverse`), sized log-uniformly from 20,000 to 2,000,000 USD of
/// notional.
public struct SyntheticBook: Sendable {
    public let spec: SynthSpec
    public let jobYAML: String
    public let positionsCSV: String
    public let instrumentCount: Int
    public let positionCount: Int

    public init(_ spec: SynthSpec) {
        self.spec = spec
        let universe = SynthUniverse(coins: spec.coins, expiries: spec.expiries, strikes: spec.strikes)
        instrumentCount = universe.instrumentCount
        var random = SynthRandom(seed: spec.seed)
        var csv = "account,instrument,quantity\n"
        csv.reserveCapacity(spec.accounts * spec.positionsPerAccount * 36)
        var accountLines = ""
        var positions = 0
        for index in 0..<spec.accounts {
            let id = Self.accountID(index + 1)
            let account = SynthAccount(universe: universe, target: spec.positionsPerAccount, random: &random)
            for (instrument, quantity) in account.positions {
                csv += "\(id),\(instrument),\(Self.number(quantity))\n"
            }
            positions += account.positions.count
            let collateral = account.collateral.map { "\($0.asset): \(Self.number($0.amount))" }.joined(separator: ", ")
            accountLines += "  - { id: \(id), collateral: { \(collateral) } }\n"
        }
        positionCount = positions
        positionsCSV = csv
        jobYAML = Self.header(spec, universe) + accountLines
    }

    /// The job file up to its accounts.
    static func header(_ spec: SynthSpec, _ universe: SynthUniverse) -> String {
        var text = """
            # A synthetic Deribit-like book: tailgrid synth --accounts \(spec.accounts) --underlyings \(spec.coins.map(\.symbol).joined(separator: ",")) \\
            #   --expiries \(spec.expiries) --strikes \(spec.strikes) --positions \(spec.positionsPerAccount) --seed \(spec.seed)
            # \(universe.instrumentCount) instruments listed. Deterministic: the same command writes the same bytes.
            job: \(spec.name)
            valuation_time: 2025-02-20T08:00:00Z
            seed: \(spec.seed % 1_000_000_007)
            scenarios: \(spec.scenarios)
            horizon_days: 2
            confidence: [0.99, 0.995]
            chunk_size: \(spec.chunkSize)
            model: { kind: student_t, dof: 5 }
            market:
              rate: 0.045
              underlyings:

            """
        let volFactors = spec.coins.filter(\.inverse)
        for chain in universe.chains {
            let coin = chain.coin
            text += "    \(coin.symbol):\n"
            text += "      spot: \(number(coin.spot))\n"
            text += "      vol: \(number(coin.vol))\n"
            if coin.inverse { text += "      vol_of_vol: 1.2\n" }
            text += "      carry: \(number(coin.carry))\n"
            text += "      vol_surface:\n"
            text += "        expiries_days: [\(chain.expiries.map { number($0.days) }.joined(separator: ", "))]\n"
            text += "        log_moneyness: [\(smileNodes.map(number).joined(separator: ", "))]\n"
            text += "        vols:\n"
            for expiry in chain.expiries {
                text += "          - [\(smileNodes.map { number(smile(coin, days: expiry.days, k: $0)) }.joined(separator: ", "))]\n"
            }
        }
        let factors = spec.coins.map(\.symbol) + volFactors.map { $0.symbol + ".vol" }
        text += "  correlation:\n"
        text += "    factors: [\(factors.joined(separator: ", "))]\n"
        text += "    matrix:\n"
        for row in correlation(spots: spec.coins, vols: volFactors.count) {
            text += "      - [\(row.map(number).joined(separator: ", "))]\n"
        }
        let haircuts = ["USD: 0.0"] + spec.coins.map { "\($0.symbol): \(number($0.haircut))" }
        text += "collateral_haircuts: { \(haircuts.joined(separator: ", ")) }\n"
        text += "positions_file: positions.csv\n"
        text += "accounts:\n"
        return text
    }

    static let smileNodes: [Double] = [-1.0, -0.5, -0.25, -0.1, 0.0, 0.1, 0.25, 0.5, 1.0]

    /// The implied vol at log-moneyness k = ln(K / F) and `days` to expiry: an ATM term
    /// structure richer at the front, a put skew and a smile curvature that both fade as
    /// sqrt(30 days / T), floored at 15 vol points.
    static func smile(_ coin: SynthCoin, days: Double, k: Double) -> Double {
        let years = days / 365
        let fade = min(1, (30.0 / 365 / years).squareRoot())
        let atm = coin.vol * (1 + 0.12 * exp(-12 * years))
        let vol = atm - 0.10 * fade * k + 0.35 * fade * k * k
        return (max(0.15, vol) * 10_000).rounded() / 10_000
    }

    /// Spots load on one market factor (rho_ij = b_i b_j); the vol factors correlate 0.6
    /// with each other and not with the spots: a valid correlation matrix by construction.
    static func correlation(spots: [SynthCoin], vols: Int) -> [[Double]] {
        let n = spots.count + vols
        var matrix = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0..<n {
                if i == j {
                    matrix[i][j] = 1
                } else if i < spots.count && j < spots.count {
                    matrix[i][j] = (spots[i].marketLoading * spots[j].marketLoading * 100).rounded() / 100
                } else if i >= spots.count && j >= spots.count {
                    matrix[i][j] = 0.6
                }
            }
        }
        return matrix
    }

    /// A number as YAML and CSV take it: integers without a decimal point, others in
    /// the shortest form that reads back to the same double (never an exponent for the
    /// magnitudes a book holds).
    static func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        // Swift's shortest round-trip form has no exponent in this range.
        if abs(value) >= 1e-4 && abs(value) < 1e15 { return "\(value)" }
        var text = String(format: "%.12f", value)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// a000001: six digits at least, without String(format:) (slow on Linux for 20,000 x 20 rows).
    static func accountID(_ number: Int) -> String {
        let digits = String(number)
        return "a" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// Writes job.yaml and positions.csv into `folder`, which must not exist or be empty:
    /// both files appear at once (written beside it, then moved in), or neither.
    public func write(to folder: URL) throws(SynthError) {
        let manager = FileManager.default
        if let contents = try? manager.contentsOfDirectory(atPath: folder.path), !contents.isEmpty {
            throw SynthError("--out", "\(folder.path) is not empty; synth writes a new folder")
        }
        let staging = folder.deletingLastPathComponent()
            .appendingPathComponent(".\(folder.lastPathComponent).synth-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try? manager.removeItem(at: staging)
            try manager.createDirectory(at: staging, withIntermediateDirectories: true)
            try Data(jobYAML.utf8).write(to: staging.appendingPathComponent("job.yaml"))
            try Data(positionsCSV.utf8).write(to: staging.appendingPathComponent("positions.csv"))
            try? manager.removeItem(at: folder)
            try manager.moveItem(at: staging, to: folder)
        } catch {
            try? manager.removeItem(at: staging)
            throw SynthError("--out", "cannot write \(folder.path): \(error.localizedDescription)")
        }
    }
}
