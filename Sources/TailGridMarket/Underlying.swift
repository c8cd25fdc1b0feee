import Foundation

/// A coin's market state: spot in USD, its at-the-money implied vol (also the volatility
/// of its spot scenario factor unless a scenario vol is set), an optional smile, a carry
/// for futures, a funding rate for perpetuals, and the optional vols that make a factor
/// of its implied vols (`volOfVol`), its basis (`carryVol`) and its skew (`skewVol`).
public struct Underlying: Sendable, Hashable {
    public let symbol: String
    public private(set) var spot: Double
    public let vol: Double
    /// Annualised vol of the implied-vol factor; nil keeps implied vols fixed.
    public let volOfVol: Double?
    /// Annualised carry b: F(T) = S exp(b T).
    public let carry: Double
    public let surface: VolSurface?
    /// The vol of the spot scenario factor when it differs from the implied ATM vol
    /// (`scenario_vol`, or calibrated from price history); nil uses `vol`.
    public private(set) var scenarioVol: Double?
    /// Annualised vol of the basis factor `COIN.basis`, an additive shift of the carry b
    /// (absolute, 0.1 = the carry moves 10 points a year with one standard deviation);
    /// nil keeps the carry fixed.
    public let carryVol: Double?
    /// Annualised vol of the skew factor `COIN.vol.skew`, a shift of implied vol per unit
    /// of log-moneyness (vol points per ln(K / F)); nil keeps the skew fixed.
    public let skewVol: Double?
    /// p in Deribit's term rule: an implied-vol move at d days to expiry is the factor's
    /// move times (30 / max(d, 1))^p; 0 (the default) moves every expiry alike.
    public let volShockDTEPower: Double
    /// Annualised funding rate of its perpetuals, paid by longs to shorts on the position
    /// value along the path (0.1 = 10% a year); 0 by default.
    public let funding: Double

    /// The annualised vol the spot factor moves with.
    public var spotScenarioVol: Double { scenarioVol ?? vol }

    public init(symbol: String, spot: Double, vol: Double, volOfVol: Double? = nil,
                carry: Double = 0, surface: VolSurface? = nil, scenarioVol: Double? = nil,
                carryVol: Double? = nil, skewVol: Double? = nil, volShockDTEPower: Double = 0,
                funding: Double = 0) throws(MarketError) {
        guard spot.isFinite, spot > 0 else {
            throw MarketError(.badMarketData, "\(symbol): spot must be a positive number, got \(spot)")
        }
        guard vol.isFinite, vol > 0, vol < 20 else {
            throw MarketError(.badMarketData, "\(symbol): vol must be in (0, 20) (annualised, 0.55 = 55%), got \(vol)")
        }
        if let volOfVol {
            guard volOfVol.isFinite, volOfVol >= 0, volOfVol < 50 else {
                throw MarketError(.badMarketData, "\(symbol): vol_of_vol must be in [0, 50), got \(volOfVol)")
            }
        }
        try Self.check(scenarioVol: scenarioVol, symbol: symbol)
        guard carry.isFinite, abs(carry) < 10 else {
            throw MarketError(.badMarketData, "\(symbol): carry must be in (-10, 10), got \(carry)")
        }
        for (key, value) in [("carry_vol", carryVol), ("skew_vol", skewVol)] {
            if let value, !(value.isFinite && value >= 0 && value < 10) {
                throw MarketError(.badMarketData, "\(symbol): \(key) must be in [0, 10), got \(value)")
            }
        }
        guard volShockDTEPower.isFinite, volShockDTEPower >= 0, volShockDTEPower <= 2 else {
            throw MarketError(.badMarketData, "\(symbol): vol_shock_dte_power must be in [0, 2], got \(volShockDTEPower)")
        }
        guard funding.isFinite, abs(funding) < 10 else {
            throw MarketError(.badMarketData, "\(symbol): funding must be in (-10, 10) (annualised, 0.1 = 10%), got \(funding)")
        }
        self.symbol = symbol
        self.spot = spot
        self.vol = vol
        self.volOfVol = volOfVol
        self.carry = carry
        self.surface = surface
        self.scenarioVol = scenarioVol
        self.carryVol = carryVol
        self.skewVol = skewVol
        self.volShockDTEPower = volShockDTEPower
        self.funding = funding
    }

    /// The same coin with another scenario vol (calibration sets it).
    public func withScenarioVol(_ scenarioVol: Double?) throws(MarketError) -> Underlying {
        try Self.check(scenarioVol: scenarioVol, symbol: symbol)
        var copy = self
        copy.scenarioVol = scenarioVol
        return copy
    }

    /// The same coin at another spot (a backtest re-dates the market to a day in history).
    public func withSpot(_ spot: Double) throws(MarketError) -> Underlying {
        guard spot.isFinite, spot > 0 else {
            throw MarketError(.badMarketData, "\(symbol): spot must be a positive number, got \(spot)")
        }
        var copy = self
        copy.spot = spot
        return copy
    }

    static func check(scenarioVol: Double?, symbol: String) throws(MarketError) {
        if let scenarioVol, !(scenarioVol.isFinite && scenarioVol > 0 && scenarioVol < 20) {
            throw MarketError(.badMarketData, "\(symbol): scenario_vol must be in (0, 20), got \(scenarioVol)")
        }
    }

    /// Deribit's term weight of an implied-vol move for an option `time` years from expiry:
    /// (30 / max(d, 1))^p, d = 365 time, so short expiries move more; 1 when p = 0.
    public func volShockWeight(time: Double) -> Double {
        guard volShockDTEPower != 0 else { return 1 }
        return pow(30 / Swift.max(time * 365, 1), volShockDTEPower)
    }

    /// F(T) = S exp(b T).
    public func forward(spot: Double, time: Double) -> Double {
        spot * exp(carry * Swift.max(time, 0))
    }

    /// The implied vol for an option at `time` and log-moneyness ln(K / F).
    public func impliedVol(time: Double, logMoneyness: Double) -> Double {
        surface?.vol(time: time, logMoneyness: logMoneyness) ?? vol
    }
}

