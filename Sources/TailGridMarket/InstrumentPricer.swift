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
    /// The smile an option is revalued on after the horizon (sticky moneyness: the
    /// surface's smile at the remaining time, or flat at `vol` without a surface).
    public let smileAfterHorizon: SmileInterpolant
    /// ln(K / S) for an option (0 otherwise): with ln(S' / S) from the path it gives the
    /// scenario's log-moneyness ln(K / F') = ln(K / S) - ln(S' / S) - (b + db) T'.
    public let logStrikeOverSpot: Double
    /// sqrt(T').
    public let rootTimeAfterHorizon: Double

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
        let time = instrument.expiry.map { market.yearFraction(to: $0) } ?? 0
        if instrument.expiry != nil && time <= 0 {
            throw MarketError(.expired, "'\(instrument.name)' expired before the valuation time")
        }
        self.time = time
        self.timeAfterHorizon = Swift.max(time - horizonYears, 0)
        self.rootTimeAfterHorizon = timeAfterHorizon.squareRoot()
        self.carryFactorAfterHorizon = exp(underlying.carry * timeAfterHorizon)
        self.discountAfterHorizon = exp(-market.rate * timeAfterHorizon)
        self.forward = underlying.forward(spot: underlying.spot, time: time)
        self.carry = underlying.carry

        var coinSettled = false
        var logStrikeOverSpot = 0.0
        var volShockWeight = 1.0
        var fundingRate = 0.0
        switch instrument.kind {
        case .spot:
            payoff = .spot
            value = underlying.spot
            vol = 0
            smileAfterHorizon = SmileInterpolant(flat: 0)
        case .perpetual(let settlement):
            payoff = settlement == .linear ? .spot : .inverseFuture
            fundingRate = underlying.funding
            value = 0
            vol = 0
            smileAfterHorizon = SmileInterpolant(flat: 0)
        case .future(_, let settlement):
            payoff = settlement == .linear ? .linearFuture : .inverseFuture
            coinSettled = settlement == .inverse
            value = 0
            vol = 0
            smileAfterHorizon = SmileInterpolant(flat: 0)
        case .option(_, let strike, let right, let settlement):
            payoff = .option(strike: strike, right: right)
            coinSettled = settlement == .inverse
            volShockWeight = underlying.volShockWeight(time: time)
            let vol = underlying.impliedVol(time: time, logMoneyness: log(strike / forward))
            self.vol = vol
            value = Black76.price(forward: forward, strike: strike, time: time, volatility: vol,
                                  discount: exp(-market.rate * time), right: right)
            logStrikeOverSpot = log(strike / underlying.spot)
            if let surface = underlying.surface, timeAfterHorizon > 0 {
                smileAfterHorizon = SmileInterpolant(nodes: surface.logMoneyness, vols: surface.smile(atTime: timeAfterHorizon))
            } else {
                smileAfterHorizon = SmileInterpolant(flat: vol)
            }
        }
        self.logStrikeOverSpot = logStrikeOverSpot
        self.coinSettled = coinSettled
        self.volShockWeight = volShockWeight
        self.fundingRate = fundingRate
    }

    /// The floor on a skewed scenario vol (1 vol point), so a steep skew move never asks
    /// Black-76 for a negative vol.
    public static let minimumVol = 0.01

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
}
