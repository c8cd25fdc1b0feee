import Foundation

/// A coin's market state: spot in USD, its at-the-money implied vol (also the volatility
/// of its spot scenario factor unless a scenario vol is set), an optional smile, a carry
/// for futures and an optional vol of vol that makes its implied vols a scenario factor
/// of their own.
public struct Underlying: Sendable, Hashable {
    public let symbol: String
    public let spot: Double
    public let vol: Double
    /// Annualised vol of the implied-vol factor; nil keeps implied vols fixed.
    public let volOfVol: Double?
    /// Annualised carry b: F(T) = S exp(b T).
    public let carry: Double
    public let surface: VolSurface?
    /// The vol of the spot scenario factor when it differs from the implied ATM vol
    /// (`scenario_vol`, or calibrated from price history); nil uses `vol`.
    public let scenarioVol: Double?

    /// The annualised vol the spot factor moves with.
    public var spotScenarioVol: Double { scenarioVol ?? vol }

    public init(symbol: String, spot: Double, vol: Double, volOfVol: Double? = nil,
                carry: Double = 0, surface: VolSurface? = nil, scenarioVol: Double? = nil) throws(MarketError) {
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
        if let scenarioVol {
            guard scenarioVol.isFinite, scenarioVol > 0, scenarioVol < 20 else {
                throw MarketError(.badMarketData, "\(symbol): scenario_vol must be in (0, 20), got \(scenarioVol)")
            }
        }
        guard carry.isFinite, abs(carry) < 10 else {
            throw MarketError(.badMarketData, "\(symbol): carry must be in (-10, 10), got \(carry)")
        }
        self.symbol = symbol
        self.spot = spot
        self.vol = vol
        self.volOfVol = volOfVol
        self.carry = carry
        self.surface = surface
        self.scenarioVol = scenarioVol
    }

    /// The same coin with another scenario vol (calibration sets it).
    public func withScenarioVol(_ scenarioVol: Double?) throws(MarketError) -> Underlying {
        try Underlying(symbol: symbol, spot: spot, vol: vol, volOfVol: volOfVol, carry: carry, surface: surface,
                       scenarioVol: scenarioVol)
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

