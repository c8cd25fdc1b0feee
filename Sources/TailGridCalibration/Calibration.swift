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

    /// The stressed weighting applied (anti-procyclicality), if any.
    public let stressed: StressedWeighting?
    /// Annualised vol per symbol of the window alone, before the stressed weighting.
    public let windowVols: [Double]
    /// Annualised vol per symbol of the stressed period alone (sample).
    public let stressedVols: [Double]?

    public init(window: ReturnWindow, estimator: CovarianceEstimator,
                stressed: StressedWeighting? = nil) throws(CalibrationError) {
        let n = window.symbols.count
        let own = estimator.covariance(of: window)
        var covariance = own
        var stressedCovariance: [Double]?
        if let stressed {
            guard stressed.window.symbols == window.symbols else {
                throw CalibrationError(.badSettings, "the stressed period covers \(stressed.window.symbols), the window \(window.symbols)")
            }
            let other = CovarianceEstimator.sample.covariance(of: stressed.window)
            stressedCovariance = other
            for index in covariance.indices {
                covariance[index] = (1 - stressed.weight) * own[index] + stressed.weight * other[index]
            }
        }
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
        self.stressed = stressed
        self.windowVols = (0..<n).map { (own[$0 * n + $0] * Self.daysPerYear).squareRoot() }
        self.stressedVols = stressedCovariance.map { other in (0..<n).map { (other[$0 * n + $0] * Self.daysPerYear).squareRoot() } }
    }

    public func vol(of symbol: String) -> Double? {
        symbols.firstIndex(of: symbol).map { vols[$0] }
    }
}
