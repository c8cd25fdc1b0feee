import Foundation

extension InstrumentPricer {
    /// dV/dS now: the coins of the underlying one unit moves like (USD per USD of spot).
    ///
    /// spot and linear perpetual 1; linear future F / S; inverse future and perpetual
    /// (1 USD of notional, P&L S'/F - S'/F') 1 / F; an option D Phi(d1) F / S (call) or
    /// D (Phi(d1) - 1) F / S (put), Black-76's forward delta times dF/dS.
    public func spotDelta(rate: Double) -> Double {
        switch payoff {
        case .spot: return 1
        case .linearFuture: return forward / spot
        case .inverseFuture: return 1 / forward
        case .option(let strike, let right):
            return Black76.forwardDelta(forward: forward, strike: strike, time: time, volatility: vol,
                                        discount: exp(-rate * time), right: right) * forward / spot
        }
    }

    /// dV/dsigma now per vol point (0.01 of vol) at the option's own implied vol; 0 for
    /// what is not an option.
    public func vegaPerVolPoint(rate: Double) -> Double {
        guard case .option(let strike, _) = payoff else { return 0 }
        return Black76.vega(forward: forward, strike: strike, time: time, volatility: vol, discount: exp(-rate * time)) / 100
    }
}
