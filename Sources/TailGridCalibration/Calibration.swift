/// Scenario volatilities and spot correlations estimated from a window of daily returns.
///
/// Vols are annualised from daily log-returns with sqrt(365) (crypto trades every day):
/// sigma = sqrt(365 S_jj); correlations are S_ij / sqrt(S_ii S_jj).
public struct Calibration: Sendable, Hashable {
    public let symbols: [String]
    public let estimator: CovarianceEstimator
    public let firstDay: Int
    public let lastDay: Int
    public let days: Int
    /// Annualised vol per symbol.
    public let vols: [Double]
    /// n x n row-major correlation.
    public let correlation: [Double]

    public static let daysPerYear = 365.0

    public init(window: ReturnWindow, estimator: CovarianceEstimator) throws(CalibrationError) {
        let n = window.symbols.count
        let covariance = estimator.covariance(of: window)
        for (j, symbol) in window.symbols.enumerated() {
            let variance = covariance[j * n + j]
            guard variance.isFinite, variance > 0 else {
                throw CalibrationError(.degenerate, symbol: symbol,
                                       "\(symbol): the closes from \(CalendarDay.text(window.firstDay - 1)) to \(CalendarDay.text(window.lastDay)) never move, so no volatility can be estimated")
            }
        }
        var correlation = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                correlation[i * n + j] = i == j ? 1
                    : Swift.min(1, Swift.max(-1, covariance[i * n + j] / (covariance[i * n + i] * covariance[j * n + j]).squareRoot()))
            }
        }
        self.symbols = window.symbols
        self.estimator = estimator
        self.firstDay = window.firstDay
        self.lastDay = window.lastDay
        self.days = window.days
        self.vols = (0..<n).map { (covariance[$0 * n + $0] * Self.daysPerYear).squareRoot() }
        self.correlation = correlation
    }

    public func vol(of symbol: String) -> Double? {
        symbols.firstIndex(of: symbol).map { vols[$0] }
    }
}
