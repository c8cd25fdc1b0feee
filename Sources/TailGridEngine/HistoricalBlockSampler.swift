import TailGridCalibration
import TailGridMarket
import TailGridNumerics

/// Draws for filtered historical simulation: scenario s replays block
/// floor(u * blocks) of a `FilteredHistory`, u the first uniform of Philox counter
/// (s, draw 0, stream 2), so the draw is a pure function of (seed, scenario) like every
/// other model's. A spot factor's draw is the block's filtered log-return of its coin, a
/// vol factor's the block's standardised vol change.
public struct HistoricalBlockSampler: Sendable, Hashable {
    public static let stream: UInt32 = 2

    public let history: FilteredHistory
    /// Per factor: the offset of its value within a block's row of `spotMoves` or
    /// `volMoves`, and which of the two it reads.
    let sources: [Source]

    struct Source: Sendable, Hashable {
        let column: Int
        let readsVol: Bool
    }

    /// Nil when a factor's coin has no history (the plan's checks refuse such jobs first).
    public init?(history: FilteredHistory, factors: [RiskFactor], market: MarketData) {
        var sources: [Source] = []
        for factor in factors {
            let symbol = market.underlyings[factor.underlyingIndex].symbol
            guard let column = history.symbols.firstIndex(of: symbol) else { return nil }
            sources.append(Source(column: column, readsVol: factor.kind == .impliedVol))
        }
        self.history = history
        self.sources = sources
    }

    /// The block scenario `scenario` replays.
    @inlinable
    public func block(generator: Philox4x32, scenario: UInt64) -> Int {
        let (u, _) = generator.uniformPair(Philox4x32.counter(scenario: scenario, draw: 0, stream: Self.stream))
        return Swift.min(Int(u * Double(history.blockCount)), history.blockCount - 1)
    }

    /// Fills `draws` (factors x tile width) for the tile starting at `tileStart`.
    func fill(generator: Philox4x32, tileStart: UInt64, draws: UnsafeMutablePointer<Double>, width: Int) {
        let n = history.symbols.count
        for column in 0..<width {
            let row = block(generator: generator, scenario: tileStart + UInt64(column)) * n
            for (factor, source) in sources.enumerated() {
                draws[factor * width + column] = source.readsVol
                    ? history.volMoves[row + source.column] : history.spotMoves[row + source.column]
            }
        }
    }
}
