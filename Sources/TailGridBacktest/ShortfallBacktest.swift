/// Acerbi and Szekely's (2014) second ES backtest, in losses: with L_t the realised loss
/// of day t, VaR_t and ES_t the model's (positive, at confidence a, alpha = 1 - a) and
/// I_t = 1 when L_t > VaR_t,
///
///   Z2 = 1 - (1 / (T alpha)) sum_t L_t I_t / ES_t.
///
/// Under a correct model E[Z2] = 0; a negative Z2 says ES was too low. Its critical
/// values are nearly the same across distributions (Acerbi and Szekely, "Backtesting
/// Expected Shortfall", MSCI 2014, table 2): about -0.70 at the 5% level and -1.8 at
/// 0.01%, which this backtest maps to yellow and red like the Basel traffic light.
public struct ShortfallBacktest: Sendable, Hashable {
    public static let yellowThreshold = -0.70
    public static let redThreshold = -1.8

    public let statistic: Double
    public let observations: Int
    public let zone: TrafficLight.Zone

    public init(losses: [Double], valueAtRisk: [Double], expectedShortfall: [Double], confidence: Double) throws(BacktestError) {
        guard confidence > 0, confidence < 1 else {
            throw BacktestError("the confidence must be in (0, 1), got \(confidence)")
        }
        guard !losses.isEmpty, losses.count == valueAtRisk.count, losses.count == expectedShortfall.count else {
            throw BacktestError("an ES backtest needs one VaR and one ES per realised loss, and at least one day")
        }
        var sum = 0.0
        for day in losses.indices {
            let (loss, threshold, shortfall) = (losses[day], valueAtRisk[day], expectedShortfall[day])
            guard loss.isFinite, threshold.isFinite, shortfall.isFinite, shortfall > 0 else {
                throw BacktestError("day \(day): the loss, VaR and ES must be finite and ES positive (got \(loss), \(threshold), \(shortfall))")
            }
            if loss > threshold { sum += loss / shortfall }
        }
        let statistic = 1 - sum / (Double(losses.count) * (1 - confidence))
        guard statistic.isFinite else {
            throw BacktestError("Z2 overflows: a realised loss is too large for its ES (ES near 0?)")
        }
        self.statistic = statistic
        self.observations = losses.count
        self.zone = statistic < Self.redThreshold ? .red : (statistic < Self.yellowThreshold ? .yellow : .green)
    }
}
