import TailGridMarket

/// The third anti-procyclicality tool (EMIR RTS 153/2013 art. 28(1)(c)): margin is never
/// lower than the margin the same model gives with volatilities and correlations
/// estimated over a 10-year lookback (`margin.apc: { method: lookback_floor }`).
///
/// The floor's scenarios are the job's own random numbers under the lookback's spot
/// vols and correlation: one more evaluator of the plan (its loss rows come after the
/// dependence stress's), so a cluster computes them with every chunk and the floor
/// moves with the margin, not with Monte Carlo noise. With C the calculated margin (see
/// `MarginPolicy`) and C_10y the same formula on the floor rows' ES (or VaR):
///
///     floor uplift = max(0, C_10y - C)
///
/// Pricing (implied vols) stays the market's: only the scenario model changes.
public struct LookbackFloor: Sendable, Hashable {
    /// Per underlying symbol, the annualised vol of its spot factor over the lookback.
    public let scenarioVols: [String: Double]
    /// The spot correlation over the lookback (with listed pairs over it, as the job's).
    public let correlation: EngineJob.FactorCorrelation?
    /// The lookback asked for, days (the estimate uses fewer when the price history is
    /// shorter; the calibration report gives the window).
    public let lookbackDays: Int

    /// EMIR's lookback: 10 years of daily returns.
    public static let defaultLookbackDays = 3650

    public init(scenarioVols: [String: Double], correlation: EngineJob.FactorCorrelation?, lookbackDays: Int) {
        self.scenarioVols = scenarioVols
        self.correlation = correlation
        self.lookbackDays = lookbackDays
    }

    /// The job's market with each listed underlying's spot factor at its lookback vol.
    func market(from market: MarketData) throws(EngineError) -> MarketData {
        do {
            let underlyings = try market.underlyings.map { underlying throws(MarketError) in
                guard let vol = scenarioVols[underlying.symbol] else { return underlying }
                return try underlying.withScenarioVol(vol)
            }
            return try MarketData(valuationTime: market.valuationTime, rate: market.rate, underlyings: underlyings,
                                  stablecoins: market.stablecoins)
        } catch {
            throw EngineError(.invalidJob, "lookback floor: \(error.message)")
        }
    }
}
