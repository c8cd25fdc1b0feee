import TailGridNumerics

/// One thread's share of a pilot (`PilotFloors`): each loss row's `rank` largest losses of
/// the tiles the thread evaluates, as order keys (`RankSort.key`: a larger loss, a smaller
/// key) in one flat buffer, and how many of its losses were finite.
///
/// A floor needs the rank-th largest loss, not its scenario, so a row keeps 8-byte keys in
/// `room` places of one buffer for all rows, where a `TailSelector` per row kept 16-byte
/// entries in an array of its own, ranked them by loss and scenario, and cut them three
/// times on the first tile (the selections were three quarters of a 20,000-account
/// book's pilot). A row's first tile goes in whole and is cut once to `rank`; after that
/// only losses strictly above its bar, the rank-th largest kept, enter: the rank-th
/// largest value is the same whether a loss equal to it is kept or not.
struct PilotTops: Sendable {
    let rank: Int
    /// Keys a row holds before it is cut back to `rank`.
    let room: Int
    /// Row r's keys at r * room ..< r * room + counts[r].
    private var keys: [UInt64]
    private var counts: [Int]
    /// Per row, the profit a loss must lie strictly below to enter (-(rank-th largest
    /// kept loss)); +infinity until the row's first cut.
    private var limits: [Double]
    private(set) var finiteCounts: [Int]

    init(rows: Int, rank: Int) {
        self.rank = rank
        room = rank + Swift.max(64, rank)
        keys = Array(repeating: 0, count: rows * room)
        counts = Array(repeating: 0, count: rows)
        limits = Array(repeating: .infinity, count: rows)
        finiteCounts = Array(repeating: 0, count: rows)
    }

    /// Takes row `row`'s losses -profits[0..<count] (count at most `ScenarioTile.size`),
    /// with `scratch` room for `room + count` keys.
    mutating func add(row: Int, negatedProfits profits: UnsafePointer<Double>, count: Int,
                      scratch: UnsafeMutablePointer<UInt64>) {
        finiteCounts[row] &+= Self.finiteCount(profits, count: count)
        let limit = limits[row]
        let room = room
        let rank = rank
        let start = counts[row]
        let (kept, bar) = keys.withUnsafeMutableBufferPointer { keys -> (Int, UInt64?) in
            let held = keys.baseAddress! + row &* room
            if start == 0 && limit == .infinity && count > room && count & 7 == 0 {
                // A row's first tile, which enters whole: its keys straight into `scratch`,
                // 8 at a time, then the cut. (Its NaN and infinite profits too, which the
                // loop below leaves out: a row holding one gets no floor either way.)
                Self.writeKeys(negatedProfits: profits, count: count, into: scratch)
                let bar = KeySelection.smallest(scratch, count: count, rank: rank)
                held.update(from: scratch, count: rank)
                return (rank, bar)
            }
            var kept = start
            // Entrants go to the row's places while they last, then on into `scratch`
            // after a copy of the row's keys; the row is then cut from there.
            var target = held
            var spilled = false
            let limits = SIMD8<Double>(repeating: limit)
            var index = 0
            while index < count {
                let lanes = Swift.min(8, count &- index)
                let entering: Bool
                if lanes == 8 {
                    entering = any(UnsafeRawPointer(profits + index).loadUnaligned(as: SIMD8<Double>.self) .< limits)
                } else {
                    entering = true
                }
                if entering {
                    for lane in 0..<lanes where profits[index &+ lane] < limit {
                        if !spilled && kept == room {
                            scratch.update(from: held, count: room)
                            target = scratch
                            spilled = true
                        }
                        target[kept] = RankSort.key(-profits[index &+ lane])
                        kept &+= 1
                    }
                }
                index &+= lanes
            }
            guard spilled else { return (kept, nil) }
            let bar = KeySelection.smallest(scratch, count: kept, rank: rank)
            held.update(from: scratch, count: rank)
            return (rank, bar)
        }
        counts[row] = kept
        if let bar { limits[row] = -RankSort.loss(key: bar) }
    }

    /// How many of profits[0..<count] are finite, 8 at a time.
    static func finiteCount(_ profits: UnsafePointer<Double>, count: Int) -> Int {
        let exponent = SIMD8<UInt64>(repeating: 0x7FF0_0000_0000_0000)
        var finite = SIMD8<UInt64>.zero
        var index = 0
        while index &+ 8 <= count {
            let bits = UnsafeRawPointer(profits + index).loadUnaligned(as: SIMD8<UInt64>.self)
            finite &+= SIMD8<UInt64>.zero.replacing(with: 1, where: bits & exponent .!= exponent)
            index &+= 8
        }
        var total = Int(finite.wrappedSum())
        while index < count {
            total &+= profits[index].isFinite ? 1 : 0
            index &+= 1
        }
        return total
    }

    /// The order keys (`RankSort.keys`) of the losses -profits[0..<count], count a
    /// multiple of 8.
    static func writeKeys(negatedProfits profits: UnsafePointer<Double>, count: Int, into keys: UnsafeMutablePointer<UInt64>) {
        var index = 0
        while index < count {
            let losses = -UnsafeRawPointer(profits + index).loadUnaligned(as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(keys + index).storeBytes(of: RankSort.keys(losses), as: SIMD8<UInt64>.self)
            index &+= 8
        }
    }

    /// Row `row`'s keys.
    func keys(row: Int) -> ArraySlice<UInt64> {
        keys[row * room..<row * room + counts[row]]
    }
}
