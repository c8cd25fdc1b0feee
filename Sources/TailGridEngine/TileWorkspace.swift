import TailGridNumerics

/// Scratch buffers for one tile, owned by one thread and reused tile after tile.
public final class TileWorkspace {
    let independent: UnsafeMutableBufferPointer<Double>
    let draws: UnsafeMutableBufferPointer<Double>
    /// Underlyings x steps x tile: the spot at the end of each step of each path.
    let pathSpots: UnsafeMutableBufferPointer<Double>
    /// Underlyings x tile: the running log-return of the path.
    let logReturns: UnsafeMutableBufferPointer<Double>
    /// Underlyings x tile: L, the implied-vol factor's log-move over the horizon, and
    /// the multiplier exp(L - nu^2 tau / 2) it gives at term weight 1.
    let volLogMoves: UnsafeMutableBufferPointer<Double>
    let volMultipliers: UnsafeMutableBufferPointer<Double>
    /// Tile: an instrument's own vol multiplier when its term weight is not 1.
    let weightedVolMultipliers: UnsafeMutableBufferPointer<Double>
    /// Underlyings x tile: the basis factor's carry shift and the skew factor's shift
    /// (zero rows for coins without those factors).
    let carryShifts: UnsafeMutableBufferPointer<Double>
    let skewShifts: UnsafeMutableBufferPointer<Double>
    /// Underlyings x tile: sum_k dt S_k and sum_k dt / S_k over the steps' starting spots
    /// (written for coins whose perpetuals pay funding).
    let spotTimeSums: UnsafeMutableBufferPointer<Double>
    let inverseSpotTimeSums: UnsafeMutableBufferPointer<Double>
    let instrumentProfit: UnsafeMutableBufferPointer<Double>
    /// Six tile rows: three for the pricer's passes (`RevaluationRow.scratch`), three for
    /// an instrument quoted in a depegging stablecoin (its spots, log-returns and
    /// settlement spots in that coin).
    let pricingScratch: UnsafeMutableBufferPointer<Double>
    /// Accounts x tile: each account's P&L (gains positive) after `TileEvaluator.evaluate`.
    public let accountProfit: UnsafeMutableBufferPointer<Double>
    /// The row kernels' scratch (normals, Phi, the Student-t mixing): allocated here once.
    let rowScratch: RowScratch

    public init(factors: Int, steps: Int = 1, underlyings: Int, instruments: Int, accounts: Int) {
        let width = ScenarioTile.size
        func buffer(_ rows: Int) -> UnsafeMutableBufferPointer<Double> {
            AlignedRows.allocate(Swift.max(1, rows) * width)
        }
        independent = buffer(factors * steps)
        draws = buffer(factors * steps)
        pathSpots = buffer(underlyings * steps)
        logReturns = buffer(underlyings)
        volLogMoves = buffer(underlyings)
        volMultipliers = buffer(underlyings)
        weightedVolMultipliers = buffer(1)
        carryShifts = buffer(underlyings)
        skewShifts = buffer(underlyings)
        spotTimeSums = buffer(underlyings)
        inverseSpotTimeSums = buffer(underlyings)
        instrumentProfit = buffer(instruments)
        pricingScratch = buffer(6)
        accountProfit = buffer(accounts)
        rowScratch = RowScratch.allocate()
    }

    deinit {
        for buffer in [independent, draws, pathSpots, logReturns, volLogMoves, volMultipliers, weightedVolMultipliers,
                       carryShifts, skewShifts, spotTimeSums, inverseSpotTimeSums, instrumentProfit, pricingScratch, accountProfit] {
            AlignedRows.deallocate(buffer)
        }
        rowScratch.deallocate()
    }
}
