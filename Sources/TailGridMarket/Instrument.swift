import Foundation

/// A listed instrument, named the way Deribit names it.
///
/// | name | kind | one unit of quantity | P&L in USD |
/// | --- | --- | --- | --- |
/// | `BTC` | spot | 1 coin | S' - S |
/// | `BTC-PERPETUAL` | inverse perpetual | 1 USD of notional | (1/S - 1/S') S' (coin P&L at the scenario spot) |
/// | `BTC_USDC-PERPETUAL` | linear perpetual | 1 coin | S' - S |
/// | `BTC-28MAR25` | inverse future | 1 USD of notional | (1/F - 1/F') S' |
/// | `BTC_USDC-28MAR25` | linear future | 1 coin | F' - F |
/// | `BTC-28MAR25-100000-C` | inverse (coin-settled) option | an option on 1 coin | V' - V |
/// | `BTC_USDC-28MAR25-100000-C` | linear (USDC-settled) option | an option on 1 coin | V' - V |
///
/// A coin-settled option's premium is V / S coins, worth V USD at any spot, so in USD
/// it moves exactly like the linear one; the two differ in the currency the P&L accrues
/// in, not in its USD value.
public struct Instrument: Sendable, Hashable {
    public enum Settlement: String, Sendable, Hashable {
        /// Margined and settled in the underlying coin.
        case inverse
        /// Margined and settled in a USD stablecoin.
        case linear
    }

    public enum Right: String, Sendable, Hashable {
        case call
        case put
    }

    public enum Kind: Sendable, Hashable {
        case spot
        case perpetual(Settlement)
        case future(expiry: Date, settlement: Settlement)
        case option(expiry: Date, strike: Double, right: Right, settlement: Settlement)
    }

    /// The name as written by the user.
    public let name: String
    /// The underlying's symbol, e.g. `BTC`.
    public let underlying: String
    public let kind: Kind

    public init(name: String, underlying: String, kind: Kind) {
        self.name = name
        self.underlying = underlying
        self.kind = kind
    }

    /// The currency its P&L accrues in: the coin for spot and inverse instruments, the
    /// stablecoin after `_` for linear ones (`BTC_USDT-PERPETUAL`: USDT).
    public var settlementCurrency: String {
        let base = name.prefix { $0 != "-" }
        guard let separator = base.firstIndex(of: "_") else { return underlying }
        return String(base[base.index(after: separator)...])
    }

    /// The expiry, for dated instruments.
    public var expiry: Date? {
        switch kind {
        case .spot, .perpetual: nil
        case .future(let expiry, _), .option(let expiry, _, _, _): expiry
        }
    }
}
