import TailGridCalibration
import TailGridMarket
import TailGridNumerics

/// Draws for filtered historical simulation: scenario s replays block
/// floor(u * blocks) of a `FilteredHistory`, u the first uniform of Philox counter
/// (s, draw 0, stream 2), so the draw is a pure function of (seed, scenario) like every
/// other model's. A spot factor's draw is the block's filtered log-return of its coin, a
/// vol factor's the block's standardised vol change.
///
/// On a path of n steps (n divides the block's days), step k of a spot factor is the sum
/// of the filtered returns of the block's days [k h / n, (k + 1) h / n); the vol change,
/// which only matters at the horizon, is drawn at the last step as sqrt(n) times the
/// block's move, so that the engine's per-step scale nu sqrt(tau / n) gives it nu sqrt(tau).
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

    /// Nil when a factor's coin has no history, or a factor is neither spot nor implied
    /// vol (history has no basis, skew or depeg; the plan's checks refuse such jobs first).
    public init?(history: FilteredHistory, factors: [RiskFactor], market: MarketData) {
        var sources: [Source] = []
        for factor in factors {
            guard factor.kind == .spot || factor.kind == .impliedVol,
                  let column = history.symbols.firstIndex(of: market.underlyings[factor.underlyingIndex].symbol)
            else { return nil }
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

    /// Fills `draws` (factors x steps x tile width) for the tile starting at `tileStart`.
    func fill(generator: Philox4x32, tileStart: UInt64, draws: UnsafeMutablePointer<Double>, width: Int, steps: Int) {
        let n = history.symbols.count
        let row = steps * width
        let daysPerStep = history.horizonDays / steps
        let volScale = Double(steps).squareRoot()
        for column in 0..<width {
            let block = block(generator: generator, scenario: tileStart + UInt64(column))
            for (factor, source) in sources.enumerated() {
                let out = draws + factor * row + column
                if source.readsVol {
                    for step in 0..<(steps - 1) { out[step * width] = 0 }
                    out[(steps - 1) * width] = history.volMoves[block * n + source.column] * volScale
                } else if steps == 1 {
                    out[0] = history.spotMoves[block * n + source.column]
                } else {
                    for step in 0..<steps {
                        var move = 0.0
                        for day in (step * daysPerStep)..<((step + 1) * daysPerStep) {
                            move += history.dailyMoves[(block + day) * n + source.column]
                        }
                        out[step * width] = move
                    }
                }
            }
        }
    }
}
