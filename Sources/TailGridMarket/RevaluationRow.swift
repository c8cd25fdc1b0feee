import TailGridNumerics

/// One underlying's state across a row of scenarios, what `InstrumentPricer.profitAndLoss`
/// reads to revalue an instrument in all of them at once.
///
/// Pointers into the engine's tile workspace, valid for the duration of the call.
public struct RevaluationRow {
    /// S', the spot at the horizon.
    public let spots: UnsafePointer<Double>
    /// ln(S' / S): the log-moneyness of every option follows from it without a log.
    public let logReturns: UnsafePointer<Double>
    /// The spot that settles an instrument expiring inside the horizon (`spots` otherwise).
    public let settlementSpots: UnsafePointer<Double>
    /// m, the multiplier on implied vols.
    public let volMultipliers: UnsafePointer<Double>
    /// db, the shift of the carry; nil when the underlying has no basis factor.
    public let carryShifts: UnsafePointer<Double>?
    /// s, the skew shift in vol per unit of log-moneyness (zeros without a skew factor:
    /// an optional read inside the pricing loop would keep it from vectorising).
    public let skewShifts: UnsafePointer<Double>
    /// Three rows of `count` doubles the kernel may overwrite.
    public let scratch: UnsafeMutablePointer<Double>
    /// The row kernels' scratch (`FastMath.normalCDF`); nil takes it from the heap per call.
    public let rowScratch: RowScratch?
    public let count: Int

    public init(spots: UnsafePointer<Double>, logReturns: UnsafePointer<Double>, settlementSpots: UnsafePointer<Double>,
                volMultipliers: UnsafePointer<Double>, carryShifts: UnsafePointer<Double>?,
                skewShifts: UnsafePointer<Double>, scratch: UnsafeMutablePointer<Double>, rowScratch: RowScratch? = nil,
                count: Int) {
        self.spots = spots
        self.logReturns = logReturns
        self.settlementSpots = settlementSpots
        self.volMultipliers = volMultipliers
        self.carryShifts = carryShifts
        self.skewShifts = skewShifts
        self.scratch = scratch
        self.rowScratch = rowScratch
        self.count = count
    }
}
