import Foundation

/// One named stress scenario: a move of the market over the job's horizon that the whole
/// book is revalued in, with the pricers of the Monte Carlo scenarios.
///
/// The move happens at once and holds: every step of the path is at the stressed spot
/// S' = S exp(r) (r = `logReturns[coin]`, 0 for a coin not listed), so an instrument
/// expiring inside the horizon settles at S', and a perpetual's funding accrues on the
/// path S, S', ..., S' (on S alone for a one-step path). Implied vols are multiplied per
/// option by its `VolMove` (1 for a coin not listed); carry and skew do not move.
/// The scenario's loss counts `weight` times (the grid's extended moves count less).
public struct StressScenario: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The actual move of the market over the horizon from a day in history.
        case historical
        /// A Deribit-style grid of spot moves with vols up, unchanged and down.
        case grid
        /// A move written in the job.
        case hypothetical
    }

    /// A move of implied vols that may depend on the option's days to expiry d:
    /// the multiplier m(d) = max(1 + change (30 / max(d, 1))^p, `minimumMultiplier`),
    /// Deribit's term rule, so short expiries move more. With p = 0 every option moves
    /// by 1 + change.
    public struct VolMove: Sendable, Hashable {
        /// The relative change at 30 days to expiry: 0.3 is vols up 30%, -0.2 down 20%.
        public let change: Double
        /// p, the power of 30 / d.
        public let dtePower: Double

        /// A vol never falls below 1% of today's under a stress (a large down move at a
        /// short expiry would otherwise ask for a negative vol).
        public static let minimumMultiplier = 0.01

        public init(change: Double, dtePower: Double = 0) {
            self.change = change
            self.dtePower = dtePower
        }

        /// A plain multiplier on every expiry (`vol: { BTC: 1.5 }`, `vol_jump: 1.5`).
        public init(multiplier: Double) {
            self.init(change: multiplier - 1)
        }

        /// m(d) for an option `daysToExpiry` days from expiry now.
        public func multiplier(daysToExpiry: Double) -> Double {
            let weight = dtePower == 0 ? 1 : pow(30 / Swift.max(daysToExpiry, 1), dtePower)
            return Swift.max(1 + change * weight, Self.minimumMultiplier)
        }
    }

    public let name: String
    public let kind: Kind
    /// ln(S' / S) per coin: underlyings and depegging stablecoins, by symbol.
    public let logReturns: [String: Double]
    /// The move of each underlying's implied vols, by symbol.
    public let volMoves: [String: VolMove]
    /// The loss counts this many times (1, or the grid's `extended_weight`).
    public let weight: Double

    public init(name: String, kind: Kind, logReturns: [String: Double], volMoves: [String: VolMove] = [:],
                weight: Double = 1) {
        self.name = name
        self.kind = kind
        self.logReturns = logReturns
        self.volMoves = volMoves
        self.weight = weight
    }

    /// S' / S - 1 per coin, as a reader states a move.
    public var spotMoves: [String: Double] { logReturns.mapValues { expm1($0) } }
}
