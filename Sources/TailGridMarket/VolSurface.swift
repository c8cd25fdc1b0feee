/// An implied-volatility surface on a grid of expiry (years) x log-moneyness ln(K / F).
///
/// Along time it interpolates linearly in total variance sigma^2 t, node by node of
/// log-moneyness; along log-moneyness linearly in volatility. Beyond the grid it is
/// flat in volatility in both directions.
public struct VolSurface: Sendable, Hashable {
    /// Expiries in years, strictly increasing and positive.
    public let expiries: [Double]
    /// Log-moneyness nodes ln(K / F), strictly increasing.
    public let logMoneyness: [Double]
    /// Volatilities: `vols[i][j]` at expiry i and log-moneyness j, all positive.
    public let vols: [[Double]]

    public init(expiries: [Double], logMoneyness: [Double], vols: [[Double]]) throws(MarketError) {
        guard !expiries.isEmpty, !logMoneyness.isEmpty else {
            throw MarketError(.badMarketData, "a vol surface needs at least one expiry and one log-moneyness node")
        }
        guard expiries.allSatisfy({ $0.isFinite && $0 > 0 }), zip(expiries, expiries.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw MarketError(.badMarketData, "vol surface expiries must be positive and strictly increasing")
        }
        guard logMoneyness.allSatisfy(\.isFinite), zip(logMoneyness, logMoneyness.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw MarketError(.badMarketData, "vol surface log-moneyness nodes must be strictly increasing")
        }
        guard vols.count == expiries.count else {
            throw MarketError(.badMarketData, "vol surface has \(vols.count) rows of vols for \(expiries.count) expiries")
        }
        for (row, smile) in vols.enumerated() {
            guard smile.count == logMoneyness.count else {
                throw MarketError(.badMarketData, "vol surface row \(row) has \(smile.count) vols for \(logMoneyness.count) log-moneyness nodes")
            }
            guard smile.allSatisfy({ $0.isFinite && $0 > 0 && $0 < 20 }) else {
                throw MarketError(.badMarketData, "vol surface row \(row) has a vol that is not in (0, 20)")
            }
        }
        self.expiries = expiries
        self.logMoneyness = logMoneyness
        self.vols = vols
    }

    /// The smile at time `time`: one vol per log-moneyness node.
    public func smile(atTime time: Double) -> [Double] {
        guard time > expiries[0] else { return vols[0] }
        guard time < expiries[expiries.count - 1] else { return vols[vols.count - 1] }
        var upper = 1
        while expiries[upper] <= time { upper += 1 }
        let lower = upper - 1
        let weight = (time - expiries[lower]) / (expiries[upper] - expiries[lower])
        return (0..<logMoneyness.count).map { j in
            let wLower = vols[lower][j] * vols[lower][j] * expiries[lower]
            let wUpper = vols[upper][j] * vols[upper][j] * expiries[upper]
            return (((1 - weight) * wLower + weight * wUpper) / time).squareRoot()
        }
    }

    /// The vol of `smile` (from `smile(atTime:)`) at log-moneyness `m`.
    @inlinable
    public func vol(onSmile smile: [Double], logMoneyness m: Double) -> Double {
        let nodes = logMoneyness
        if m <= nodes[0] { return smile[0] }
        let last = nodes.count - 1
        if m >= nodes[last] { return smile[last] }
        var upper = 1
        while nodes[upper] <= m { upper += 1 }
        let weight = (m - nodes[upper - 1]) / (nodes[upper] - nodes[upper - 1])
        return (1 - weight) * smile[upper - 1] + weight * smile[upper]
    }

    public func vol(time: Double, logMoneyness m: Double) -> Double {
        vol(onSmile: smile(atTime: time), logMoneyness: m)
    }
}
