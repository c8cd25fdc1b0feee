/// Scratch buffers for one tile, owned by one thread and reused tile after tile.
public final class TileWorkspace {
    let independent: UnsafeMutableBufferPointer<Double>
    let draws: UnsafeMutableBufferPointer<Double>
    let spots: UnsafeMutableBufferPointer<Double>
    let volMultipliers: UnsafeMutableBufferPointer<Double>
    let instrumentProfit: UnsafeMutableBufferPointer<Double>
    /// Accounts x tile: each account's P&L (gains positive) after `TileEvaluator.evaluate`.
    public let accountProfit: UnsafeMutableBufferPointer<Double>

    public init(factors: Int, underlyings: Int, instruments: Int, accounts: Int) {
        let width = ScenarioTile.size
        func buffer(_ rows: Int) -> UnsafeMutableBufferPointer<Double> {
            let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: Swift.max(1, rows) * width)
            buffer.initialize(repeating: 0)
            return buffer
        }
        independent = buffer(factors)
        draws = buffer(factors)
        spots = buffer(underlyings)
        volMultipliers = buffer(underlyings)
        instrumentProfit = buffer(instruments)
        accountProfit = buffer(accounts)
    }

    deinit {
        for buffer in [independent, draws, spots, volMultipliers, instrumentProfit, accountProfit] {
            buffer.deallocate()
        }
    }
}
