import Foundation

/// The listed instruments of a synthetic venue: for each coin a perpetual, a future per
/// expiry, and a call and a put at each of `strikes` strikes per expiry, so
/// coins x (1 + expiries + 2 x expiries x strikes) instruments. Expiries are Deribit's
/// calendar after the valuation time (dailies, Friday weeklies, last-Friday monthlies,
/// quarterlies), the first `expiries` of them; strikes span +-max(8%, 3 sigma sqrt(T)) in
/// log-moneyness around the forward, on the coin's strike tick.
struct SynthUniverse {
    /// 2025-02-20 08:00 UTC, a Thursday: the valuation time of every synthetic book.
    static let valuation = Date(timeIntervalSince1970: 1_740_038_400)

    struct Chain {
        let coin: SynthCoin
        /// Per expiry: its name (28MAR25), days to it, and the strikes listed, ascending.
        let expiries: [(name: String, days: Double, strikes: [Double])]
    }

    let chains: [Chain]

    init(coins: [SynthCoin], expiries count: Int, strikes: Int) {
        let dates = Self.expiryDates(count: count)
        chains = coins.map { coin in
            Chain(coin: coin, expiries: dates.map { date in
                let days = date.timeIntervalSince(Self.valuation) / 86_400
                return (Self.name(of: date), days, Self.strikes(coin: coin, days: days, count: strikes))
            })
        }
    }

    var instrumentCount: Int {
        chains.reduce(0) { $0 + 1 + $1.expiries.count + 2 * $1.expiries.reduce(0) { $0 + $1.strikes.count } }
    }

    /// Deribit's expiry calendar after the valuation time, nearest first.
    static func expiryDates(count: Int) -> [Date] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.startOfDay(for: valuation).addingTimeInterval(8 * 3600)
        func day(_ offset: Int) -> Date { start.addingTimeInterval(Double(offset) * 86_400) }
        func isFriday(_ date: Date) -> Bool { calendar.component(.weekday, from: date) == 6 }
        func isLastFridayOfMonth(_ date: Date) -> Bool {
            isFriday(date) && calendar.component(.month, from: date.addingTimeInterval(7 * 86_400)) != calendar.component(.month, from: date)
        }
        var dates: [Date] = []
        for offset in 1...1100 {
            let date = day(offset)
            let month = calendar.component(.month, from: date)
            let daily = offset <= 3
            let weekly = offset <= 35 && isFriday(date)
            let monthly = offset <= 370 && isLastFridayOfMonth(date)
            let quarterly = [3, 6, 9, 12].contains(month) && isLastFridayOfMonth(date)
            if daily || weekly || monthly || quarterly { dates.append(date) }
            if dates.count == count { break }
        }
        return dates
    }

    /// 28MAR25.
    static func name(of date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.day, .month, .year], from: date)
        let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        return "\(parts.day!)\(months[parts.month! - 1])\(String(format: "%02d", parts.year! % 100))"
    }

    /// `count` distinct strikes on the coin's tick around the forward.
    static func strikes(coin: SynthCoin, days: Double, count: Int) -> [Double] {
        let years = days / 365
        let forward = coin.spot * exp(coin.carry * years)
        let width = min(1.5, max(0.08, 3 * coin.vol * years.squareRoot()))
        var strikes: [Double] = []
        for index in 0..<count {
            let k = count == 1 ? 0 : -width + 2 * width * Double(index) / Double(count - 1)
            var strike = max(coin.strikeTick, (forward * exp(k) / coin.strikeTick).rounded() * coin.strikeTick)
            if let last = strikes.last, strike <= last + coin.strikeTick / 2 { strike = last + coin.strikeTick }
            strikes.append(tidy(strike))
        }
        return strikes
    }

    /// Multiples of a decimal tick, without binary noise (0.1 x 3 is 0.3, not 0.30000000000000004).
    static func tidy(_ value: Double) -> Double {
        (value * 1e9).rounded() / 1e9
    }

    /// A strike as Deribit writes it: 100000, or 0d25 for 0.25.
    static func strikeText(_ strike: Double) -> String {
        if strike == strike.rounded() { return String(format: "%.0f", strike) }
        var text = String(format: "%.9f", strike)
        while text.hasSuffix("0") { text.removeLast() }
        return text.replacingOccurrences(of: ".", with: "d")
    }

    static func perpetual(_ coin: SynthCoin) -> String { "\(coin.contractPrefix)-PERPETUAL" }

    static func future(_ coin: SynthCoin, _ expiry: String) -> String { "\(coin.contractPrefix)-\(expiry)" }

    static func option(_ coin: SynthCoin, _ expiry: String, _ strike: Double, call: Bool) -> String {
        "\(coin.contractPrefix)-\(expiry)-\(strikeText(strike))-\(call ? "C" : "P")"
    }
}
