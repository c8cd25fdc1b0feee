import Foundation
import TailGridMarket

/// A book moved to another market for a backtest, so that the book of a 2025 job can be
/// held through 2021: every instrument keeps its time to expiry (its expiry moves by
/// `shift`) and its moneyness (its strike scales with the spot, K' = K S' / S), and every
/// position keeps its exposure in coins (a USD-notional inverse perpetual or future
/// scales its quantity by S' / S; options, spot, linear contracts are quantities of
/// coins already). With prices homogeneous in (S, K), each position's P&L in USD then
/// scales with the spot level, and VaR, ES and the realised loss scale alike.
///
/// Instruments keep their names (results of a backtest name accounts, not instruments).
/// Collateral is left as written: a backtest compares margin with realised losses, not
/// equity.
struct BookRebase: Sendable {
    /// Seconds every expiry moves by (whole days).
    let shift: TimeInterval
    /// S' / S per underlying.
    let scales: [String: Double]

    func apply(to accounts: [Account]) -> [Account] {
        accounts.map { account in
            Account(id: account.id, collateral: account.collateral,
                    positions: account.positions.map(rebased), marginCoin: account.marginCoin)
        }
    }

    func rebased(_ position: Account.Position) -> Account.Position {
        let instrument = position.instrument
        let scale = scales[instrument.underlying] ?? 1
        let kind: Instrument.Kind
        var quantity = position.quantity
        switch instrument.kind {
        case .spot:
            kind = .spot
        case .perpetual(let settlement):
            kind = .perpetual(settlement)
            if settlement == .inverse { quantity *= scale }
        case .future(let expiry, let settlement):
            kind = .future(expiry: expiry.addingTimeInterval(shift), settlement: settlement)
            if settlement == .inverse { quantity *= scale }
        case .option(let expiry, let strike, let right, let settlement):
            kind = .option(expiry: expiry.addingTimeInterval(shift), strike: strike * scale, right: right,
                           settlement: settlement)
        }
        return Account.Position(instrument: Instrument(name: instrument.name, underlying: instrument.underlying, kind: kind),
                                quantity: quantity)
    }
}
