import Foundation
import TailGridMarket

/// Bounds on the magnitudes a job may hold, so that every product the engine forms stays
/// a finite double far inside the range of its exact sums (losses up to about 4.6e18 USD,
/// whose squares the 256-bit sums still hold), and on the text that reaches result files
/// and terminals.
///
/// - spot: below 1e9 USD;
/// - one position or collateral balance: at most 1e13 USD of notional (|quantity| x spot,
///   x max(spot, strike) for options, |quantity| for inverse contracts quoted in USD);
/// - account ids: no control characters (they would rewrite a terminal or split a row).
public enum JobLimits {
    public static let maxSpot = 1e9
    public static let maxNotional = 1e13

    /// Why a position is too large, or nil.
    static func positionProblem(quantity: Double, instrument: Instrument, market: MarketData) -> String? {
        positionProblem(quantity: quantity, instrument: instrument, spot: market.underlying(instrument.underlying)?.spot)
    }

    /// `positionProblem(quantity:instrument:market:)` with the underlying's spot looked up
    /// already (nil: not an underlying of the market, which is checked elsewhere).
    static func positionProblem(quantity: Double, instrument: Instrument, spot: Double?) -> String? {
        guard let spot else { return nil }
        let notional: Double
        switch instrument.kind {
        case .perpetual(.inverse), .future(_, .inverse):
            notional = abs(quantity)
        case .option(_, let strike, _, _):
            notional = abs(quantity) * Swift.max(spot, strike)
        case .spot, .perpetual, .future:
            notional = abs(quantity) * spot
        }
        guard notional <= maxNotional else {
            return "a notional of \(notional) USD is beyond the limit of \(maxNotional) USD per position"
        }
        return nil
    }

    /// Why a collateral balance is too large, or nil.
    static func collateralProblem(amount: Double, price: Double) -> String? {
        let value = abs(amount) * price
        guard value <= maxNotional else {
            return "a balance worth \(value) USD is beyond the limit of \(maxNotional) USD per currency"
        }
        return nil
    }

    /// Why an account id cannot be used, or nil.
    static func accountIDProblem(_ id: String) -> String? {
        // Printable ASCII (nearly every id) has no control or format character.
        if id.utf8.count <= 200, id.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return nil }
        guard id.count <= 200 else { return "an account id has at most 200 characters" }
        guard !id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format
                                                    || $0 == "\u{2028}" || $0 == "\u{2029}" }) else {
            return "an account id must not contain control characters"
        }
        return nil
    }

    /// The zone offset of an ISO 8601 time in minutes (`Z`: 0), or nil when it has none
    /// the parser would read.
    static func zoneOffsetMinutes(_ text: String) -> Int? {
        if text.hasSuffix("Z") || text.hasSuffix("z") { return 0 }
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 6 else { return nil }
        let tail = scalars.suffix(6).map(Character.init)
        guard tail[0] == "+" || tail[0] == "-", tail[3] == ":",
              let hours = Int(String(tail[1...2])), let minutes = Int(String(tail[4...5])) else { return nil }
        let total = hours * 60 + minutes
        return tail[0] == "-" ? -total : total
    }
}
