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
    /// The carry b of the underlying (the basis factor shifts it).
    public let carry: Double
    /// Settled in the coin: an expired option's or future's proceeds are coins, worth
    /// the horizon spot.
    public let coinSettled: Bool
    /// The term weight of an implied-vol move for this option (`Underlying.volShockWeight`).
    public let volShockWeight: Double
    /// The annualised funding rate a long perpetual pays (0 for every other instrument).
    public let fundingRate: Double
    /// Smile after the horizon, from the underlying's surface; nil when it has none.
    let smileAfterHorizon: [Double]?
    let surface: VolSurface?

    public init(instrument: Instrument, market: MarketData, horizonYears: Double) throws(MarketError) {
        let underlying: Underlying
        if let coin = market.underlying(instrument.underlying) {
            underlying = coin
        } else if instrument.kind == .spot, market.stablecoin(instrument.underlying) != nil {
            // A depegging stablecoin's balance: a spot of 1 USD that moves with its factor.
            underlying = try Underlying(symbol: instrument.underlying, spot: 1, vol: 1e-9)
        } else {
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
        self.carry = underlying.carry

        var coinSettled = false
        var volShockWeight = 1.0
        var fundingRate = 0.0
        switch instrument.kind {
        case .spot:
            payoff = .spot
            value = underlying.spot
            vol = 0
            smileAfterHorizon = nil
        case .perpetual(let settlement):
            payoff = settlement == .linear ? .spot : .inverseFuture
            fundingRate = underlying.funding
            value = 0
            vol = 0
            smileAfterHorizon = nil
        case .future(_, let settlement):
            payoff = settlement == .linear ? .linearFuture : .inverseFuture
            coinSettled = settlement == .inverse
            value = 0
            vol = 0
            smileAfterHorizon = nil
        case .option(_, let strike, let right, let settlement):
            payoff = .option(strike: strike, right: right)
            coinSettled = settlement == .inverse
            volShockWeight = underlying.volShockWeight(time: time)
            let vol = underlying.impliedVol(time: time, logMoneyness: log(strike / forward))
            self.vol = vol
            value = Black76.price(forward: forward, strike: strike, time: time, volatility: vol,
                                  discount: exp(-market.rate * time), right: right)
            smileAfterHorizon = timeAfterHorizon > 0 ? underlying.surface?.smile(atTime: timeAfterHorizon) : nil
        }
        self.coinSettled = coinSettled
        self.volShockWeight = volShockWeight
        self.fundingRate = fundingRate
    }

    /// The forward at the horizon for a scenario spot (perpetuals: the spot), with the
    /// carry shifted by `carryShift`: F' = S' exp((b + db) T').
    @inlinable
    public func forwardAfterHorizon(spot scenarioSpot: Double, carryShift: Double = 0) -> Double {
        guard carryShift != 0, timeAfterHorizon > 0 else { return scenarioSpot * carryFactorAfterHorizon }
        return scenarioSpot * exp((carry + carryShift) * timeAfterHorizon)
    }

    /// USD P&L of one unit over the horizon, given the scenario spot and the scenario's
    /// multiplier on implied vols.
    @inlinable
    public func profitAndLoss(spot scenarioSpot: Double, volMultiplier: Double) -> Double {
        profitAndLoss(spot: scenarioSpot, settlementSpot: scenarioSpot, volMultiplier: volMultiplier,
                      carryShift: 0, skewShift: 0)
    }

    /// USD P&L of one unit over the horizon on a path.
    ///
    /// - `spot`: the spot at the horizon.
    /// - `settlementSpot`: the spot that settles an instrument expiring inside the horizon
    ///   (the spot of its expiry step on a path; the horizon spot otherwise). Coin-settled
    ///   proceeds are coins and are worth `spot / settlementSpot` times as much at the
    ///   horizon; USDC-settled proceeds stay as they are.
    /// - `volMultiplier`: m on implied vols; `skewShift`: s, the vol is m sigma(k) + s k,
    ///   k = ln(K / F'), floored at `minimumVol`.
    /// - `carryShift`: db on the carry of dated instruments.
    @inlinable
    public func profitAndLoss(spot scenarioSpot: Double, settlementSpot: Double, volMultiplier: Double,
                              carryShift: Double, skewShift: Double) -> Double {
        switch payoff {
        case .spot:
            return scenarioSpot - spot
        case .linearFuture:
            return forwardAfterHorizon(spot: settlementSpot, carryShift: carryShift) - forward
        case .inverseFuture:
            // Coin P&L of 1 USD notional, (1/F - 1/F'), converted at the scenario spot.
            return (1 / forward - 1 / forwardAfterHorizon(spot: settlementSpot, carryShift: carryShift)) * scenarioSpot
        case .option(let strike, let right):
            guard timeAfterHorizon > 0 else {
                let intrinsic = Swift.max(right == .call ? settlementSpot - strike : strike - settlementSpot, 0)
                let proceeds = coinSettled && settlementSpot != scenarioSpot ? intrinsic * (scenarioSpot / settlementSpot) : intrinsic
                return proceeds - value
            }
            return optionValue(spot: scenarioSpot, volMultiplier: volMultiplier, carryShift: carryShift,
                               skewShift: skewShift, strike: strike, right: right) - value
        }
    }

    /// The floor on a skewed scenario vol (1 vol point), so a steep skew move never asks
    /// Black-76 for a negative vol.
    public static let minimumVol = 0.01

    @inlinable
    func optionValue(spot scenarioSpot: Double, volMultiplier: Double, carryShift: Double, skewShift: Double,
                     strike: Double, right: Instrument.Right) -> Double {
        let scenarioForward = forwardAfterHorizon(spot: scenarioSpot, carryShift: carryShift)
        var scenarioVol = volMultiplier * baseVolAfterHorizon(forward: scenarioForward, strike: strike)
        if skewShift != 0 {
            scenarioVol = Swift.max(scenarioVol + skewShift * log(strike / scenarioForward), Self.minimumVol)
        }
        return Black76.price(forward: scenarioForward, strike: strike, time: timeAfterHorizon,
                             volatility: scenarioVol, discount: discountAfterHorizon, right: right)
    }

    /// USD funding a long unit of a perpetual pays over the path, valued at the horizon:
    /// linear (1 coin), f sum_k dt S_k; inverse (1 USD notional, funding paid in coin),
    /// f S_N sum_k dt / S_k; the sums over the steps' starting spots (`spotTimeSum`,
    /// `inverseSpotTimeSum`). Zero for other instruments.
    @inlinable
    public func funding(spot scenarioSpot: Double, spotTimeSum: Double, inverseSpotTimeSum: Double) -> Double {
        guard fundingRate != 0 else { return 0 }
        switch payoff {
        case .inverseFuture: return fundingRate * scenarioSpot * inverseSpotTimeSum
        default: return fundingRate * spotTimeSum
        }
    }

    /// Sticky moneyness: the vol at the scenario's own log-moneyness on the smile that
    /// the surface has at the remaining time; the ATM vol without a surface.
    @usableFromInline
    func baseVolAfterHorizon(forward scenarioForward: Double, strike: Double) -> Double {
        guard let smileAfterHorizon, let surface else { return vol }
        return surface.vol(onSmile: smileAfterHorizon, logMoneyness: log(strike / scenarioForward))
    }
}
