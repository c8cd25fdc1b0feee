import Foundation

extension Instrument {
    /// Parses a Deribit-style name: `BTC`, `BTC-PERPETUAL`, `BTC_USDC-PERPETUAL`,
    /// `BTC-28MAR25`, `BTC-28MAR25-100000-C`, `XRP_USDC-28MAR25-0d625-P`.
    ///
    /// Dated instruments expire at 08:00 UTC on their date. A strike may use `d` (or `.`)
    /// as its decimal point. `_USDC` or `_USDT` after the coin makes it linear.
    public init(parsing name: String) throws(MarketError) {
        func fail(_ reason: String) -> MarketError {
            MarketError(.badInstrumentName, "'\(name)' is not an instrument name: \(reason)")
        }
        let parts = name.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard let base = parts.first, !base.isEmpty else { throw fail("it is empty") }
        let baseParts = base.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
        let symbol = baseParts[0]
        guard Self.isSymbol(symbol) else {
            throw fail("'\(symbol)' is not a coin symbol (upper-case letters and digits)")
        }
        let settlement: Settlement
        switch baseParts.count {
        case 1:
            settlement = .inverse
        case 2 where ["USDC", "USDT"].contains(baseParts[1]):
            settlement = .linear
        default:
            throw fail("expected COIN or COIN_USDC before the first '-'")
        }
        switch parts.count {
        case 1:
            guard settlement == .inverse else { throw fail("spot is named by its coin alone, e.g. BTC") }
            self.init(name: name, underlying: symbol, kind: .spot)
        case 2 where parts[1] == "PERPETUAL":
            self.init(name: name, underlying: symbol, kind: .perpetual(settlement))
        case 2:
            guard let expiry = Self.expiryDate(parts[1]) else {
                throw fail("'\(parts[1])' is neither PERPETUAL nor an expiry like 28MAR25")
            }
            self.init(name: name, underlying: symbol, kind: .future(expiry: expiry, settlement: settlement))
        case 4:
            guard let expiry = Self.expiryDate(parts[1]) else {
                throw fail("'\(parts[1])' is not an expiry like 28MAR25")
            }
            let strikeText = parts[2].replacingOccurrences(of: "d", with: ".")
            guard let strike = Double(strikeText), strike.isFinite, strike > 0,
                  strikeText.allSatisfy({ $0.isNumber || $0 == "." }) else {
                throw fail("'\(parts[2])' is not a positive strike")
            }
            let right: Right
            switch parts[3] {
            case "C": right = .call
            case "P": right = .put
            default: throw fail("'\(parts[3])' is not C or P")
            }
            self.init(name: name, underlying: symbol,
                      kind: .option(expiry: expiry, strike: strike, right: right, settlement: settlement))
        default:
            throw fail("expected COIN, COIN-PERPETUAL, COIN-DDMMMYY or COIN-DDMMMYY-STRIKE-C/P")
        }
    }

    /// Upper-case letters and digits, like BTC or 1INCH.
    public static func isSymbol(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    static let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]

    /// `28MAR25` -> 2025-03-28T08:00:00Z; nil when it is not a real date.
    static func expiryDate(_ text: String) -> Date? {
        let characters = Array(text)
        guard characters.count == 6 || characters.count == 7 else { return nil }
        let dayLength = characters.count - 5
        guard let day = Int(String(characters[0..<dayLength])),
              let monthIndex = months.firstIndex(of: String(characters[dayLength..<(dayLength + 3)])),
              let year = Int(String(characters[(dayLength + 3)...])),
              characters[(dayLength + 3)...].allSatisfy(\.isNumber),
              characters[0..<dayLength].allSatisfy(\.isNumber)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: 2000 + year, month: monthIndex + 1, day: day, hour: 8)
        guard let date = calendar.date(from: components),
              calendar.component(.day, from: date) == day,
              calendar.component(.month, from: date) == monthIndex + 1 else { return nil }
        return date
    }
}
