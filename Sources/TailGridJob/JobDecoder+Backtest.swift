import Foundation
import TailGridCalibration
import TailGridMarket

/// Re-dating a job to a backtest day (`BacktestDay`): the day's spots from the
/// calibration's price files, the book's rebase, and the realised move over the horizon.
extension JobDecoder {
    /// `market` is already at the day's valuation time, `valuationTime` the written one.
    /// Moves `market` to the spots of `day.day - 1`'s close; returns the rebase of the book
    /// and the realised move ln(close(d - 1 + h) / close(d - 1)) of every underlying.
    static func redate(_ market: inout MarketData, to day: BacktestDay, calibration prices: PriceHistories?,
                       written valuationTime: Date, horizonDays: Double, field: YAMLField,
                       horizonField: YAMLField) throws(JobError) -> (rebase: BookRebase, outcome: BacktestDay.Outcome) {
        guard horizonDays.rounded() == horizonDays else {
            throw horizonField.error("a backtest compares with the realised move over whole days; horizon_days must be a whole number, got \(horizonDays)")
        }
        let horizon = Int(horizonDays)
        guard let prices else {
            throw field.error("a backtest takes each day's spots and realised moves from market.calibration.prices; the market has no calibration")
        }
        let start = day.day - 1
        let end = start + horizon
        var spots: [String: Double] = [:]
        var scales: [String: Double] = [:]
        var moves: [String: Double] = [:]
        var underlyings: [Underlying] = []
        for underlying in market.underlyings {
            guard let history = prices.histories.first(where: { $0.symbol == underlying.symbol }) else {
                throw field.error("a backtest needs a price file for every underlying; market.calibration.prices has none for \(underlying.symbol)")
            }
            let file = prices.files[underlying.symbol] ?? underlying.symbol
            guard let spot = history.close(on: start), let later = history.close(on: end) else {
                throw field.error("the backtest day \(CalendarDay.text(day.day)) needs the closes of \(CalendarDay.text(start)) and \(CalendarDay.text(end)) (its \(horizon)-day realised move); \(file) covers \(CalendarDay.text(history.firstDay)) to \(CalendarDay.text(history.lastDay))")
            }
            do {
                underlyings.append(try underlying.withSpot(spot))
            } catch {
                throw field.error("\(file), \(CalendarDay.text(start)): \(error.message)")
            }
            spots[underlying.symbol] = spot
            scales[underlying.symbol] = spot / underlying.spot
            moves[underlying.symbol] = log(later / spot)
        }
        let shift = market.valuationTime.timeIntervalSince(valuationTime)
        do {
            market = try MarketData(valuationTime: market.valuationTime, rate: market.rate, underlyings: underlyings,
                                    stablecoins: market.stablecoins)
        } catch {
            throw field.error(error.message)
        }
        return (BookRebase(shift: shift, scales: scales),
                BacktestDay.Outcome(day: day.day, spots: spots, realisedLogReturns: moves))
    }
}
