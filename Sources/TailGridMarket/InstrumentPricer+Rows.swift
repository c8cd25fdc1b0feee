import TailGridNumerics

extension InstrumentPricer {
    /// USD P&L of one unit over the horizon in each scenario of a row: out[c] for c < count.
    ///
    /// - spot, perpetual: S' - S; linear future F' - F with F' = S_set exp((b + db) T');
    ///   inverse future and perpetual (1 USD notional) (1/F - 1/F') S'.
    /// - an option expiring inside the horizon: its intrinsic value at the settlement spot
    ///   (coin-settled proceeds are coins, worth S' / S_set as much at the horizon), less
    ///   its value now.
    /// - an option after the horizon: Black-76 at F', vol m sigma(k) (+ s k, floored at
    ///   `minimumVol`, when the skew moves), k = ln(K / F'), T', less its value now (a put
    ///   by parity from the call at its strike, `optionProfitAndLoss`).
    ///
    /// Each case is a straight loop over the row with the branch-free `FastMath`
    /// functions, so it runs as SIMD code; the bits do not depend on the vector width.
    @inlinable @inline(__always)
    public func profitAndLoss(_ row: RevaluationRow, into out: UnsafeMutablePointer<Double>) {
        let n = row.count
        switch payoff {
        case .spot:
            for c in 0..<n { out[c] = row.spots[c] - spot }
        case .linearFuture:
            forwardsAfterHorizon(row, spots: row.settlementSpots, into: out)
            for c in 0..<n { out[c] -= forward }
        case .inverseFuture:
            // Coin P&L of 1 USD notional, (1/F - 1/F'), converted at the scenario spot.
            forwardsAfterHorizon(row, spots: row.settlementSpots, into: out)
            let inverseForward = 1 / forward
            for c in 0..<n { out[c] = (inverseForward - 1 / out[c]) * row.spots[c] }
        case .option(let strike, let right):
            let sign = right == .call ? 1.0 : -1.0
            guard timeAfterHorizon > 0 else {
                for c in 0..<n {
                    let settlement = row.settlementSpots[c]
                    let intrinsic = Swift.max(sign * (settlement - strike), 0)
                    let converted = coinSettled && settlement != row.spots[c] ? intrinsic * (row.spots[c] / settlement) : intrinsic
                    out[c] = converted - value
                }
                return
            }
            optionProfitAndLoss(row, strike: strike, sign: sign, into: out)
        }
    }

    /// F' = S exp((b + db) T') for each scenario of `spots` (S exp(b T') without a basis
    /// factor); the forward of a perpetual is its spot.
    @inlinable
    func forwardsAfterHorizon(_ row: RevaluationRow, spots: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let n = row.count
        if let shifts = row.carryShifts, timeAfterHorizon > 0 {
            for c in 0..<n { out[c] = spots[c] * FastMath.exp((carry + shifts[c]) * timeAfterHorizon) }
        } else {
            for c in 0..<n { out[c] = spots[c] * carryFactorAfterHorizon }
        }
    }

    /// Black-76 after the horizon, less the option's value now: a call's price, or a
    /// put's by parity from the call at its strike (`callPricesAfterHorizon`),
    /// C - D (F - K). Parity holds exactly in Black-76 and at zero vol (where it gives
    /// D max(K - F, 0) to the bit), and a put then costs no normal CDFs of its own when
    /// its call is in the book (`optionPairProfitAndLoss`); the price of a far
    /// out-of-the-money put carries the rounding of its call's, about 1e-16 of F.
    @inlinable
    func optionProfitAndLoss(_ row: RevaluationRow, strike: Double, sign: Double, into out: UnsafeMutablePointer<Double>) {
        let n = row.count
        let forwards = row.scratch
        callPricesAfterHorizon(row, strike: strike, into: out)
        if sign > 0 {
            for c in 0..<n { out[c] -= value }
        } else {
            let discount = discountAfterHorizon
            for c in 0..<n { out[c] = Self.putPrice(call: out[c], discount: discount, forward: forwards[c], strike: strike) - value }
        }
    }

    /// The P&L rows of this call and of the put at its strike (`sharesCallPrice`), whose
    /// value now is `putValue`, from one evaluation of the call's prices: the bits of each
    /// alone. (The put's value rather than its pricer: a pricer passed along was copied,
    /// a retain of each of its arrays and strings per pair and tile.)
    @inlinable @inline(__always)
    public func optionPairProfitAndLoss(_ row: RevaluationRow, putValue: Double, intoCall callOut: UnsafeMutablePointer<Double>,
                                        intoPut putOut: UnsafeMutablePointer<Double>) {
        guard case .option(let strike, _) = payoff else { return }
        let n = row.count
        let forwards = row.scratch
        callPricesAfterHorizon(row, strike: strike, into: callOut)
        let discount = discountAfterHorizon
        let callValue = value
        for c in 0..<n {
            let call = callOut[c]
            putOut[c] = Self.putPrice(call: call, discount: discount, forward: forwards[c], strike: strike) - putValue
            callOut[c] = call - callValue
        }
    }

    /// Put-call parity, P = C - D (F - K), in the one order every path uses.
    @inlinable @inline(__always)
    static func putPrice(call: Double, discount: Double, forward: Double, strike: Double) -> Double {
        call - discount * (forward - strike)
    }

    /// Whether `put` is the put at this call's strike priced from the same Black-76
    /// call after the horizon (the same underlying, settlement currency, strike, times,
    /// carry, discount, smile and vol shock weight), so the two share one evaluation.
    public func sharesCallPrice(with put: InstrumentPricer) -> Bool {
        guard case .option(let strike, .call) = payoff, case .option(let putStrike, .put) = put.payoff else { return false }
        return strike == putStrike && timeAfterHorizon > 0 && put.timeAfterHorizon == timeAfterHorizon
            && instrument.underlying == put.instrument.underlying
            && instrument.settlementCurrency == put.instrument.settlementCurrency
            && carry == put.carry && carryFactorAfterHorizon == put.carryFactorAfterHorizon
            && discountAfterHorizon == put.discountAfterHorizon && logStrikeOverSpot == put.logStrikeOverSpot
            && rootTimeAfterHorizon == put.rootTimeAfterHorizon && volShockWeight == put.volShockWeight
            && fundingRate == put.fundingRate && smileAfterHorizon == put.smileAfterHorizon
    }

    /// Black-76 call prices after the horizon in passes over the row, into `out`, the
    /// forwards left in `row.scratch[0..<n]`: forwards and log-moneyness, the smile's vols
    /// segment by segment, d1 and d2 (over the moneyness and vols, no longer needed) with
    /// the deviation in `out`, Phi of each row (`FastMath`'s row form evaluates one of
    /// erfc's intervals for 8 scenarios in one), then the price, D (F Phi(d1) - K Phi(d2)),
    /// or D max(F - K, 0) where the deviation is 0.
    @inlinable
    func callPricesAfterHorizon(_ row: RevaluationRow, strike: Double, into out: UnsafeMutablePointer<Double>) {
        let n = row.count
        let forwards = row.scratch
        let moneyness = row.scratch + n
        let vols = row.scratch + 2 * n
        if let shifts = row.carryShifts {
            for c in 0..<n {
                let growth = (carry + shifts[c]) * timeAfterHorizon
                forwards[c] = row.spots[c] * FastMath.exp(growth)
                moneyness[c] = logStrikeOverSpot - row.logReturns[c] - growth
            }
        } else {
            let growth = carry * timeAfterHorizon
            for c in 0..<n {
                forwards[c] = row.spots[c] * carryFactorAfterHorizon
                moneyness[c] = logStrikeOverSpot - row.logReturns[c] - growth
            }
        }
        smileAfterHorizon.vols(atLogMoneyness: moneyness, into: vols, count: n)
        let root = rootTimeAfterHorizon
        let discount = discountAfterHorizon
        let floor = Self.minimumVol
        let firstProbabilities = vols
        let secondProbabilities = moneyness
        for c in 0..<n {
            let k = moneyness[c]
            let skew = row.skewShifts[c]
            let smiled = row.volMultipliers[c] * vols[c]
            let sigma = skew != 0 ? Swift.max(smiled + skew * k, floor) : smiled
            let deviation = sigma * root
            let d1 = (0.5 * deviation * deviation - k) / deviation
            firstProbabilities[c] = d1
            secondProbabilities[c] = d1 - deviation
            out[c] = deviation
        }
        if let rowScratch = row.rowScratch {
            FastMath.normalCDF(firstProbabilities, count: n, scratch: rowScratch)
            FastMath.normalCDF(secondProbabilities, count: n, scratch: rowScratch)
        } else {
            FastMath.normalCDF(firstProbabilities, count: n)
            FastMath.normalCDF(secondProbabilities, count: n)
        }
        for c in 0..<n {
            let forward = forwards[c]
            let price = discount * (forward * firstProbabilities[c] - strike * secondProbabilities[c])
            let intrinsic = discount * Swift.max(forward - strike, 0)
            out[c] = out[c] > 0 ? price : intrinsic
        }
    }

    /// USD P&L of one unit over the horizon on a path, for one scenario (tests and tools;
    /// the engine revalues whole rows). `carryShift` 0 means no basis factor.
    public func profitAndLoss(spot scenarioSpot: Double, settlementSpot: Double, volMultiplier: Double,
                              carryShift: Double, skewShift: Double) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 10) { buffer in
            let b = buffer.baseAddress!
            b[0] = scenarioSpot
            b[1] = FastMath.log(scenarioSpot / spot)
            b[2] = settlementSpot
            b[3] = volMultiplier
            b[4] = carryShift
            b[5] = skewShift
            let row = RevaluationRow(spots: b, logReturns: b + 1, settlementSpots: b + 2, volMultipliers: b + 3,
                                     carryShifts: carryShift != 0 ? UnsafePointer(b + 4) : nil,
                                     skewShifts: b + 5, scratch: b + 6, count: 1)
            profitAndLoss(row, into: b + 9)
            return b[9]
        }
    }

    /// USD P&L of one unit over the horizon given the scenario spot and the multiplier on
    /// implied vols, settling at that spot, with no basis or skew move.
    public func profitAndLoss(spot scenarioSpot: Double, volMultiplier: Double) -> Double {
        profitAndLoss(spot: scenarioSpot, settlementSpot: scenarioSpot, volMultiplier: volMultiplier,
                      carryShift: 0, skewShift: 0)
    }
}
