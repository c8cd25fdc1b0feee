import Foundation

/// Values one unit of an instrument now and in a scenario at the end of the horizon.
///
/// Built once per instrument per job, it holds everything that does not depend on the
/// scenario (remaining time, discount and carry factors, the smile at the horizon), so
/// that the per-scenario work is a few multiplications and, for options, one Black-76.
/// All values are USD per unit of quantity (see `Instrument` for the units).
public struct InstrumentPricer: Sendable {
    public enum Payoff: Sendable {
        case spot
        case linearFuture
        case inverseFuture
        case option(strike: Double, right: Instrument.Right)
    }

    public let instrument: Instrument
    public let payoff: Payoff
    /// Spot of the underlying now.
    public let spot: Double
    /// F(T) now (spot for spot and perpetuals).
    public let forward: Double
    /// Value of one unit now, USD: S for spot, 0 for futures and perpetuals (marked to
    /// market), the Black-76 premium for options.
    public let value: Double
    /// Years to expiry now and after the horizon (0 once expired).
    public let time: Double
    public let timeAfterHorizon: Double
    /// exp(b T') and exp(-r T') after the horizon.
    public let carryFactorAfterHorizon: Double
    public let discountAfterHorizon: Double
    /// The vol an option is priced at now.
    public let vol: Double
    /// Smile after the horizon, from the underlying's surface; nil when it has none.
    let smileAfterHorizon: [Double]?
    let surface: VolSurface?

    public init(instrument: Instrument, market: MarketData, horizonYears: Double) throws(MarketError) {
        guard let underlying = market.underlying(instrument.underlying) else {
            throw MarketError(.unknownUnderlying,
                              "'\(instrument.name)': underlying '\(instrument.underlying)' is not in market.underlyings")
        }
        self.instrument = instrument
        self.spot = underlying.spot
        self.surface = underlying.surface
        let time = instrument.expiry.map { market.yearFraction(to: $0) } ?? 0
        if instrument.expiry != nil && time <= 0 {
            throw MarketError(.expired, "'\(instrument.name)' expired before the valuation time")
        }
        self.time = time
        self.timeAfterHorizon = Swift.max(time - horizonYears, 0)
        self.carryFactorAfterHorizon = exp(underlying.carry * timeAfterHorizon)
        self.discountAfterHorizon = exp(-market.rate * timeAfterHorizon)
        self.forward = underlying.forward(spot: underlying.spot, time: time)

        switch instrument.kind {
        case .spot:
            payoff = .spot
            value = underlying.spot
            vol = 0
            smileAfterHorizon = nil
        case .perpetual(let settlement):
            payoff = settlement == .linear ? .spot : .inverseFuture
            value = 0
            vol = 0
            smileAfterHorizon = nil
        case .future(_, let settlement):
            payoff = settlement == .linear ? .linearFuture : .inverseFuture
            value = 0
            vol = 0
            smileAfterHorizon = nil
        case .option(_, let strike, let right, _):
            payoff = .option(strike: strike, right: right)
            let vol = underlying.impliedVol(time: time, logMoneyness: log(strike / forward))
            self.vol = vol
            value = Black76.price(forward: forward, strike: strike, time: time, volatility: vol,
                                  discount: exp(-market.rate * time), right: right)
            smileAfterHorizon = timeAfterHorizon > 0 ? underlying.surface?.smile(atTime: timeAfterHorizon) : nil
        }
    }

    /// The forward at the horizon for a scenario spot (perpetuals: the spot).
    @inlinable
    public func forwardAfterHorizon(spot scenarioSpot: Double) -> Double {
        scenarioSpot * carryFactorAfterHorizon
    }

    /// USD P&L of one unit over the horizon, given the scenario spot and the scenario's
    /// multiplier on implied vols.
    @inlinable
    public func profitAndLoss(spot scenarioSpot: Double, volMultiplier: Double) -> Double {
        switch payoff {
        case .spot:
            return scenarioSpot - spot
        case .linearFuture:
            return forwardAfterHorizon(spot: scenarioSpot) - forward
        case .inverseFuture:
            // Coin P&L of 1 USD notional, (1/F - 1/F'), converted at the scenario spot.
            return (1 / forward - 1 / forwardAfterHorizon(spot: scenarioSpot)) * scenarioSpot
        case .option(let strike, let right):
            return optionValue(spot: scenarioSpot, volMultiplier: volMultiplier, strike: strike, right: right) - value
        }
    }

    @inlinable
    func optionValue(spot scenarioSpot: Double, volMultiplier: Double, strike: Double, right: Instrument.Right) -> Double {
        guard timeAfterHorizon > 0 else {
            let intrinsic = right == .call ? scenarioSpot - strike : strike - scenarioSpot
            return Swift.max(intrinsic, 0)
        }
        let scenarioForward = forwardAfterHorizon(spot: scenarioSpot)
        let scenarioVol = volMultiplier * baseVolAfterHorizon(forward: scenarioForward, strike: strike)
        return Black76.price(forward: scenarioForward, strike: strike, time: timeAfterHorizon,
                             volatility: scenarioVol, discount: discountAfterHorizon, right: right)
    }

    /// Sticky moneyness: the vol at the scenario's own log-moneyness on the smile that
    /// the surface has at the remaining time; the ATM vol without a surface.
    @usableFromInline
    func baseVolAfterHorizon(forward scenarioForward: Double, strike: Double) -> Double {
        guard let smileAfterHorizon, let surface else { return vol }
        return surface.vol(onSmile: smileAfterHorizon, logMoneyness: log(strike / scenarioForward))
    }
}
