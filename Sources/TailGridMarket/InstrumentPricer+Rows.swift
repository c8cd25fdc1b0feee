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
    ///   `minimumVol`, when the skew moves), k = ln(K / F'), T', less its value now.
    ///
    /// Each case is a straight loop over the row with the branch-free `FastMath`
    /// functions, so it runs as SIMD code; the bits do not depend on the vector width.
    @inlinable
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

    /// Black-76 after the horizon in passes over the row: forwards and log-moneyness, the
    /// smile's vols segment by segment, sign d1 and sign d2 (over the moneyness and vols,
    /// no longer needed) with the deviation in `out`, Phi of each row (`FastMath`'s row
    /// form evaluates one of erfc's intervals for 8 scenarios in one), then the price,
    /// sign (F Phi(sign d1) - K Phi(sign d2)) D with sign +1 for a call and -1 for a put.
    @inlinable
    func optionProfitAndLoss(_ row: RevaluationRow, strike: Double, sign: Double, into out: UnsafeMutablePointer<Double>) {
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
            let d2 = d1 - deviation
            firstProbabilities[c] = sign * d1
            secondProbabilities[c] = sign * d2
            out[c] = deviation
        }
        FastMath.normalCDF(firstProbabilities, count: n)
        FastMath.normalCDF(secondProbabilities, count: n)
        for c in 0..<n {
            let forward = forwards[c]
            let price = discount * sign * (forward * firstProbabilities[c] - strike * secondProbabilities[c])
            let intrinsic = discount * Swift.max(sign * (forward - strike), 0)
            out[c] = (out[c] > 0 ? price : intrinsic) - value
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
