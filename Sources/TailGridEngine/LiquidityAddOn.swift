import TailGridMarket

/// The liquidity and concentration add-on (`margin.liquidity`): what closing an account's
/// net delta in each underlying would cost by the square-root law of market impact,
///
///     add-on = sum over underlyings  Y sigma_d S |D| sqrt(|D| / ADV)
///
/// with D the account's net delta in coins (positions at their Black-76 deltas, plus coin
/// collateral under the portfolio convention), S the spot, sigma_d = sigma / sqrt(365)
/// the spot factor's daily vol, ADV the average daily volume in coins and Y the impact
/// coefficient (`impact`, of order 1 in the empirical literature: Almgren et al. 2005,
/// Toth et al. 2011). The cost grows as |D|^(3/2), so one account holding a position pays
/// 2^(3/2) = 2.83 times what each of two accounts holding half of it pays: a large
/// concentrated position pays more than the same position split.
///
/// Where the job gives an underlying's daily traded vega (`vega_adv`, USD per vol point:
/// the price files have no option volumes), closing the net vega pays the same law:
///
///     + sum over those underlyings  Y |E| sqrt(|V| / ADV_vega)
///
/// with V = sum q dP/dsigma / 100 the account's net vega in USD per vol point and E =
/// sum q (dP/dsigma) sigma_K w nu / sqrt(365) the USD its options move in a one-sd daily
/// move of the underlying's implied-vol factor (sigma_K the option's implied vol, w its
/// term weight, nu the vol of vol): the vega twin of sigma_d S D.
public struct LiquidityAddOn: Sendable, Hashable {
    /// Y.
    public let impact: Double
    /// ADV in coins, by underlying symbol.
    public let averageDailyVolume: [String: Double]
    /// Traded vega per day, USD per vol point, by underlying symbol (empty: no vega part).
    public let vegaVolume: [String: Double]

    public init(impact: Double, averageDailyVolume: [String: Double], vegaVolume: [String: Double] = [:]) {
        self.impact = impact
        self.averageDailyVolume = averageDailyVolume
        self.vegaVolume = vegaVolume
    }

    /// An account's vega in one underlying: `perVolPoint` V, and `dailyMove` E.
    public struct Vega: Sendable, Hashable {
        public var perVolPoint: Double
        public var dailyMove: Double
    }

    /// The account's net vega per underlying that has a traded vega (`vegaVolume`) and
    /// a vol of vol: `pricers` by instrument name.
    public func netVegas(of account: Account, pricers: [String: InstrumentPricer], market: MarketData) -> [String: Vega] {
        var vegas: [String: Vega] = [:]
        for position in account.positions {
            let symbol = position.instrument.underlying
            guard vegaVolume[symbol] != nil, let nu = market.underlying(symbol)?.volOfVol,
                  let pricer = pricers[position.instrument.name] else { continue }
            let vega = Self.vega(of: position.quantity, pricer: pricer, volOfVol: nu, rate: market.rate)
            guard vega.perVolPoint != 0 else { continue }
            vegas[symbol, default: Vega(perVolPoint: 0, dailyMove: 0)].perVolPoint += vega.perVolPoint
            vegas[symbol, default: Vega(perVolPoint: 0, dailyMove: 0)].dailyMove += vega.dailyMove
        }
        return vegas
    }

    /// One position's vega: V = q dP/dsigma / 100 and E = 100 V sigma_K w nu / sqrt(365).
    public static func vega(of quantity: Double, pricer: InstrumentPricer, volOfVol nu: Double, rate: Double) -> Vega {
        let vega = quantity * pricer.vegaPerVolPoint(rate: rate)
        return Vega(perVolPoint: vega, dailyMove: 100 * vega * pricer.vol * pricer.volShockWeight * nu / 365.0.squareRoot())
    }

    /// The vega part of the add-on, USD.
    public func vegaRequirement(vegas: [String: Vega]) -> Double {
        var total = 0.0
        for (symbol, vega) in vegas.sorted(by: { $0.key < $1.key }) {
            guard let volume = vegaVolume[symbol], volume > 0 else { continue }
            total += impact * Swift.abs(vega.dailyMove) * (Swift.abs(vega.perVolPoint) / volume).squareRoot()
        }
        return total
    }

    public static let defaultImpact = 0.5
    public static let defaultAverageDays = 30

    /// The account's net delta per underlying, in coins: `pricers` by instrument name.
    public static func netDeltas(of account: Account, pricers: [String: InstrumentPricer], market: MarketData,
                                 collateral: MarginPolicy.Collateral) -> [String: Double] {
        var deltas: [String: Double] = [:]
        for position in account.positions {
            guard let pricer = pricers[position.instrument.name] else { continue }
            deltas[position.instrument.underlying, default: 0] += position.quantity * pricer.spotDelta(rate: market.rate)
        }
        if collateral == .portfolio {
            for balance in account.collateral where market.underlying(balance.currency) != nil {
                deltas[balance.currency, default: 0] += balance.amount
            }
        }
        return deltas
    }

    /// The add-on for net deltas `deltas`, USD; an underlying without an ADV adds nothing
    /// (the job layer refuses a liquidity add-on without volumes for every underlying).
    public func requirement(deltas: [String: Double], market: MarketData) -> Double {
        var total = 0.0
        for (symbol, delta) in deltas.sorted(by: { $0.key < $1.key }) {
            guard let underlying = market.underlying(symbol), let volume = averageDailyVolume[symbol], volume > 0 else { continue }
            let size = Swift.abs(delta)
            let dailyVol = underlying.spotScenarioVol / 365.0.squareRoot()
            total += impact * dailyVol * underlying.spot * size * (size / volume).squareRoot()
        }
        return total
    }
}
