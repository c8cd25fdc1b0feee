import Foundation
import Synchronization

/// Every instrument's P&L in every scenario of one evaluator, and each price process's
/// horizon spot: what a resident book (`ServedBook`) computes once, so that a plan of one
/// account (a what-if) reads its instruments' rows instead of generating and pricing the
/// scenarios again (`TileEvaluator.reading`).
///
/// An instrument's P&L in scenario s depends only on the instrument, the market, the
/// factors, the seed and s, never on the rest of the book, so a row read here is the bits
/// the account's own plan would compute. Rows hold whole tiles (a multiple of 256), as an
/// evaluator computes them: all the job's, or a shard's range of them (`BookShard`).
/// Immutable once built.
public final class InstrumentProfits: @unchecked Sendable {
    /// Row of each instrument, by name.
    public let rows: [String: Int]
    /// The tiles held (of the job's tiles of 256 scenarios): all of them, or a shard's.
    public let tiles: Range<Int>
    /// Tiles held per row, in order: tile 0 first when `tiles` lacks it (a plan's
    /// histogram pilot reads it: `EnginePlan`), then `tiles`.
    let held: [Int]
    /// Scenarios held per row: whole tiles.
    public let width: Int
    public let processes: Int
    private let profits: UnsafeMutableBufferPointer<Double>
    private let horizonSpots: UnsafeMutableBufferPointer<Double>

    /// Evaluates every tile of `evaluator` over `scenarios` scenarios on `threads`.
    public convenience init(evaluator: TileEvaluator, scenarios: Int, threads: Int) {
        self.init(evaluator: evaluator, tiles: 0..<Self.tileCount(scenarios: scenarios), threads: threads)
    }

    /// The tiles of 256 scenarios that cover `scenarios`.
    public static func tileCount(scenarios: Int) -> Int { (scenarios + ScenarioTile.size - 1) / ScenarioTile.size }

    /// Evaluates the tiles `tiles` of `evaluator`, and tile 0 (the pilot), on `threads`.
    public init(evaluator: TileEvaluator, tiles: Range<Int>, threads: Int) {
        let held = (tiles.contains(0) || tiles.isEmpty ? [] : [0]) + Array(tiles)
        let width = held.count * ScenarioTile.size
        self.tiles = tiles
        self.held = held
        self.width = width
        self.processes = evaluator.prices.count
        var rows: [String: Int] = [:]
        for (index, pricer) in evaluator.instruments.enumerated() where rows[pricer.instrument.name] == nil {
            rows[pricer.instrument.name] = index
        }
        self.rows = rows
        let profits = UnsafeMutableBufferPointer<Double>.allocate(capacity: Swift.max(1, evaluator.instruments.count * width))
        let horizonSpots = UnsafeMutableBufferPointer<Double>.allocate(capacity: Swift.max(1, evaluator.prices.count * width))
        self.profits = profits
        self.horizonSpots = horizonSpots
        let next = Atomic<Int>(0)
        let steps = evaluator.steps
        // Each thread writes the columns of its own tiles.
        nonisolated(unsafe) let target = profits
        nonisolated(unsafe) let spots = horizonSpots
        EngineThreads.run(count: Swift.max(1, Swift.min(threads, held.count))) {
            let workspace = evaluator.makeWorkspace(accountRows: false)
            while true {
                let position = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard position < held.count else { break }
                let start = position * ScenarioTile.size
                evaluator.evaluateInstruments(tileStart: UInt64(held[position] * ScenarioTile.size), workspace: workspace)
                for row in 0..<evaluator.instruments.count {
                    (target.baseAddress! + row * width + start)
                        .update(from: workspace.instrumentProfit.baseAddress! + row * ScenarioTile.size, count: ScenarioTile.size)
                }
                for process in 0..<evaluator.prices.count {
                    (spots.baseAddress! + process * width + start)
                        .update(from: workspace.pathSpots.baseAddress! + (process * steps + steps - 1) * ScenarioTile.size,
                                count: ScenarioTile.size)
                }
            }
        }
    }

    /// Where tile `tile` starts in a row, if held.
    func column(ofTile tile: Int) -> Int? {
        if tiles.contains(tile) { return (tile - tiles.lowerBound + held.count - tiles.count) * ScenarioTile.size }
        return tile == 0 && held.first == 0 ? 0 : nil
    }

    deinit {
        profits.deallocate()
        horizonSpots.deallocate()
    }

    /// Bytes held.
    public var bytes: Int { (profits.count + horizonSpots.count) * MemoryLayout<Double>.size }

    /// Writes the tile at `tileStart` of the instruments `rows` (one per instrument of
    /// the reading evaluator) into `workspace.instrumentProfit`, and each process's horizon
    /// spot into the last step of `workspace.pathSpots` (what a coin-margined account's
    /// restatement reads).
    /// A tile not held is not read (a shard's plan evaluates only its own, and the pilot).
    func read(tileStart: UInt64, rows: [Int], steps: Int, into workspace: TileWorkspace) {
        guard tileStart % UInt64(ScenarioTile.size) == 0, tileStart / UInt64(ScenarioTile.size) < UInt64(Int.max),
              let start = column(ofTile: Int(tileStart / UInt64(ScenarioTile.size))) else { return }
        for (index, row) in rows.enumerated() {
            (workspace.instrumentProfit.baseAddress! + index * ScenarioTile.size)
                .update(from: profits.baseAddress! + row * width + start, count: ScenarioTile.size)
        }
        for process in 0..<processes {
            (workspace.pathSpots.baseAddress! + (process * steps + steps - 1) * ScenarioTile.size)
                .update(from: horizonSpots.baseAddress! + process * width + start, count: ScenarioTile.size)
        }
    }
}
