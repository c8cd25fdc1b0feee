import Foundation

/// A job re-dated to another valuation day, for a backtest: the same job file, valued at
/// `day` (at the written valuation_time's time of day), with
///
/// - the calibration (and an fhs model's history) as of the close of `day - 1`: nothing
///   later is seen, whatever `calibration.as_of` says;
/// - each underlying's spot the close of `day - 1` from the calibration's price files;
/// - the book rebased to that market (`BookRebase`): every instrument keeps its time to
///   expiry and its moneyness, every position its exposure in coins;
/// - no stress scenarios and no previous result: a backtest tests the scenario model.
///
/// It also carries the realised move: ln(close(day - 1 + h) / close(day - 1)) per
/// underlying over the job's horizon h, the same move as `stress.historical` of `day`.
public struct BacktestDay: Sendable, Hashable {
    /// Days since 1970-01-01 (UTC).
    public let day: Int

    public init(day: Int) {
        self.day = day
    }

    /// The written valuation time moved to `day`, keeping its time of day.
    func valuationTime(redating written: Date) -> Date {
        let writtenDay = (written.timeIntervalSince1970 / 86_400).rounded(.down)
        return written.addingTimeInterval((Double(day) - writtenDay) * 86_400)
    }

    /// What re-dating the job found: the market of the day and the move that followed.
    public struct Outcome: Sendable, Hashable {
        public let day: Int
        /// The close of `day - 1` per underlying: the day's spots.
        public let spots: [String: Double]
        /// ln(close(day - 1 + h) / close(day - 1)) per underlying.
        public let realisedLogReturns: [String: Double]
    }
}
