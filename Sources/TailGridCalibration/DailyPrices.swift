/// A coin's daily closing prices in USD, one per consecutive UTC day (gaps already
/// refused or filled by whoever read the file).
public struct DailyPrices: Sendable, Hashable {
    public let symbol: String
    /// The first close's day, counted in days since 1970-01-01.
    public let firstDay: Int
    /// Positive, finite closes for firstDay, firstDay + 1, ...
    public let closes: [Double]
    /// Daily volumes (units of the coin), aligned with `closes`; 0 where unknown.
    public let volumes: [Double]
    /// How many of the days were filled with the previous close (`fill: previous`).
    public let filledDays: Int

    public init(symbol: String, firstDay: Int, closes: [Double], volumes: [Double], filledDays: Int = 0) {
        precondition(closes.count == volumes.count)
        self.symbol = symbol
        self.firstDay = firstDay
        self.closes = closes
        self.volumes = volumes
        self.filledDays = filledDays
    }

    public var lastDay: Int { firstDay + closes.count - 1 }

    /// The close of `day`, or nil outside the history.
    public func close(on day: Int) -> Double? {
        let index = day - firstDay
        return closes.indices.contains(index) ? closes[index] : nil
    }
}
