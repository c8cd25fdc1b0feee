/// How daily returns become a covariance forecast.
///
/// - `ewma(lambda)`: RiskMetrics (J.P. Morgan/Reuters, Technical Document, 4th ed., 1996):
///   zero-mean, S(t+1) = lambda S(t) + (1 - lambda) r(t) r(t)^T over the window, seeded with
///   the window's mean outer product S(1) = (1/W) sum r r^T; the result is the forecast
///   for the day after the window. Equivalently
///   S = (1 - lambda) sum_{i=0}^{W-1} lambda^i r(W-i) r(W-i)^T + lambda^W S(1).
/// - `sample`: the unbiased sample covariance, mean removed, divisor W - 1.
public enum CovarianceEstimator: Sendable, Hashable {
    case ewma(lambda: Double)
    case sample

    /// The daily covariance of the window's columns, n x n row-major.
    public func covariance(of window: ReturnWindow) -> [Double] {
        let n = window.symbols.count
        let w = window.days
        let r = window.returns
        var covariance = [Double](repeating: 0, count: n * n)
        switch self {
        case .ewma(let lambda):
            for t in 0..<w {
                for i in 0..<n {
                    for j in 0..<n { covariance[i * n + j] += r[t * n + i] * r[t * n + j] }
                }
            }
            for index in covariance.indices { covariance[index] /= Double(w) }
            for t in 0..<w {
                for i in 0..<n {
                    for j in 0..<n {
                        covariance[i * n + j] = lambda * covariance[i * n + j] + (1 - lambda) * r[t * n + i] * r[t * n + j]
                    }
                }
            }
        case .sample:
            var mean = [Double](repeating: 0, count: n)
            for t in 0..<w {
                for i in 0..<n { mean[i] += r[t * n + i] }
            }
            for i in 0..<n { mean[i] /= Double(w) }
            for t in 0..<w {
                for i in 0..<n {
                    for j in 0..<n { covariance[i * n + j] += (r[t * n + i] - mean[i]) * (r[t * n + j] - mean[j]) }
                }
            }
            for index in covariance.indices { covariance[index] /= Double(w - 1) }
        }
        return covariance
    }

    /// The daily EWMA variance forecast of one return series before each day and after
    /// the last: v[0] = mean of r^2 (the seed), v[t + 1] = lambda v[t] + (1 - lambda) r[t]^2;
    /// v[t] is the variance expected for day t, v[count] today's forecast.
    public static func ewmaVariances(_ returns: [Double], lambda: Double) -> [Double] {
        var variances = [Double](repeating: 0, count: returns.count + 1)
        var seed = 0.0
        for value in returns { seed += value * value }
        variances[0] = seed / Double(Swift.max(returns.count, 1))
        for (t, value) in returns.enumerated() {
            variances[t + 1] = lambda * variances[t] + (1 - lambda) * value * value
        }
        return variances
    }
}
