import Foundation
import TailGridNumerics

/// Admission floors from a pilot, sent with a job's first chunks so that even they ship
/// only losses that can plausibly reach a tail.
///
/// Before any chunk is merged the exact floor (the k-th largest loss so far) is unknown,
/// so without a pilot the first chunks of a 20,000-account book each keep k = 1,000
/// losses per account (320 MB a chunk at 100,000 scenarios) and sort through many more.
/// The pilot is the job's first m scenarios (m = 2,048 at most), evaluated once by
/// whoever merges; an account's floor is its r-th largest pilot loss, with r chosen so
/// that the floor lies above the job's k-th largest loss with probability at most 1e-12:
///
/// Let v be the job's k-th largest loss; fewer than k scenarios lie strictly above it.
/// The floor is above v only if at least r pilot scenarios are among those. Scenarios are
/// exchangeable (independent draws, a pure function of seed and index), so that count X
/// is hypergeometric (N, at most k - 1, m), and r is the smallest rank with
/// P(X >= r) <= 1e-12 (`floorRank`; ties between equal losses do not change the argument:
/// it counts losses strictly above v).
///
/// The floors are speculative and the merge does not trust them: once every chunk is
/// merged, an account whose tail holds fewer than min(k, count) losses had a floor above
/// its k-th loss (`SummaryMerger.floorsHeld`), and the job is computed again without
/// pilot floors. The result is the same bits with or without them.
public enum PilotFloors {
    /// The largest chance, per account, that a pilot floor is too high.
    public static let failureBound = 1e-12
    /// The most pilot scenarios (8 tiles).
    public static let maxPilotScenarios = 8 * ScenarioTile.size

    /// Where a run's first floors come from.
    public enum Source: Sendable {
        /// Computed from the pilot (the default).
        case pilot
        /// None: every first chunk keeps a full tail.
        case off
        /// Given floors, one per account (tests use floors that are too high to exercise
        /// the recomputation).
        case fixed([Double])

        /// The first floors of a run of `plan`, a pilot computed on `threads` threads: nil
        /// for none (also for given floors that are not one per account).
        public func floors(for plan: EnginePlan, threads: Int = 1) -> [Double]? {
            switch self {
            case .pilot: PilotFloors.floors(for: plan, threads: threads)
            case .off: nil
            case .fixed(let floors): floors.count == plan.lossRowCount ? floors : nil
            }
        }
    }

    /// The number of pilot scenarios for a job: a quarter of the scenarios up to
    /// `maxPilotScenarios`, in whole tiles; 0 (no pilot) below one tile.
    public static func pilotScenarios(scenarios: Int) -> Int {
        let tiles = Swift.min(maxPilotScenarios, scenarios / 4) / ScenarioTile.size
        return tiles * ScenarioTile.size
    }

    /// The pilot floor of each account of `plan` (-infinity where none applies), the
    /// pilot's tiles shared among `threads` threads: a pilot of 2,048 scenarios of a
    /// 20,000-account book took 0.36 s on one thread while the other cores waited. Each
    /// thread keeps every account's top r of its tiles (`PilotTops`); the r-th largest of
    /// those is the account's r-th largest pilot loss, whichever thread had which tile.
    public static func floors(for plan: EnginePlan, threads: Int = 1) -> [Double] {
        let accounts = plan.lossRowCount
        let m = pilotScenarios(scenarios: plan.job.scenarios)
        guard let rank = floorRank(pilot: m, scenarios: plan.job.scenarios, tailCapacity: plan.tailCapacity) else {
            return Array(repeating: -.infinity, count: accounts)
        }
        let tiles = m / ScenarioTile.size
        let threads = Swift.max(1, Swift.min(threads, tiles))
        let pieces = EngineThreads.map(threads, threads: threads) { part in
            Self.pilot(plan, tiles: Array(stride(from: part, to: tiles, by: threads)), rank: rank)
        }
        // The accounts' floors on the same threads, `accountsPerBlock` at a time (on the
        // calling thread alone, 20,000 accounts took 0.1 s while the others waited), each
        // block's accounts through one buffer of their keys.
        let blocks = (accounts + accountsPerBlock - 1) / accountsPerBlock
        let floors = EngineThreads.map(blocks, threads: threads) { block -> [Double] in
            let union = UnsafeMutablePointer<UInt64>.allocate(capacity: pieces.reduce(0) { $0 + $1.room })
            defer { union.deallocate() }
            return (block * accountsPerBlock..<Swift.min(accounts, (block + 1) * accountsPerBlock)).map { account -> Double in
                // An account with non-finite pilot losses has fewer than m to rank: its
                // floor needs the rank for the pilot it has, which is at most `rank`'s.
                guard pieces.reduce(0, { $0 + $1.finiteCounts[account] }) == m else { return -.infinity }
                return Self.rankedLoss(rank, of: account, in: pieces, union: union) ?? -.infinity
            }
        }
        return Array(floors.joined())
    }

    /// Accounts whose floors one thread takes at a time.
    static let accountsPerBlock = 256

    /// The `rank`-th largest (from 1) of row `row`'s losses kept by `pieces`, their keys
    /// gathered in `union` (room for them all); nil when they hold fewer. A zero is +0.
    static func rankedLoss(_ rank: Int, of row: Int, in pieces: [PilotTops], union: UnsafeMutablePointer<UInt64>) -> Double? {
        var count = 0
        for piece in pieces {
            for key in piece.keys(row: row) {
                union[count] = key
                count += 1
            }
        }
        guard rank >= 1, rank <= count else { return nil }
        return RankSort.loss(key: KeySelection.smallest(union, count: count, rank: rank))
    }

    /// One thread's share of a pilot: each account's top `rank` losses of `tiles`, and how
    /// many of its losses were finite.
    static func pilot(_ plan: EnginePlan, tiles: [Int], rank: Int) -> PilotTops {
        let accounts = plan.lossRowCount
        let width = ScenarioTile.size
        let rows = TileRows(plan: plan)
        var tops = PilotTops(rows: accounts, rank: rank)
        let scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: tops.room + width)
        defer { scratch.deallocate() }
        for tile in tiles {
            rows.evaluate(tileStart: UInt64(tile * width))
            for account in 0..<accounts {
                tops.add(row: account, negatedProfits: rows.profits(account), count: width, scratch: scratch)
            }
        }
        return tops
    }
}
