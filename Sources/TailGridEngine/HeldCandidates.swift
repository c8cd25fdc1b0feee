import TailGridNumerics

/// Tail candidates one thread of a local run holds back per loss row, offered to the
/// run's `SharedTails` `perRow` at a time: one lock per batch rather than one per tile
/// and row. The lock's atomic operations, on cache lines both cores take in turn, were a
/// fifth of the per-loss time on the 20,000-account book, where a row's tile holds about
/// 2.6 candidates.
///
/// A loss is a candidate when it reaches the row's bar here, this thread's copy of the
/// row's admission loss, brought up to date at each offer: the shared bar only rises, so
/// a stale copy lets more through, never less. Held entries must all be offered
/// (`offerAll`) before the tails are read.
final class HeldCandidates {
    /// Candidates held per row before they are offered.
    static let perRow = 32

    let rowCount: Int
    private let entries: UnsafeMutablePointer<TailLoss>
    private let counts: UnsafeMutablePointer<Int>
    private let bars: UnsafeMutablePointer<Double>

    /// Nothing held, each row's bar at its floor in `floors` (nil: none).
    init(rows: Int, floors: [Double]?) {
        precondition(floors == nil || floors?.count == rows, "one floor per row")
        rowCount = rows
        entries = .allocate(capacity: Swift.max(1, rows * Self.perRow))
        counts = .allocate(capacity: Swift.max(1, rows))
        counts.initialize(repeating: 0, count: Swift.max(1, rows))
        bars = .allocate(capacity: Swift.max(1, rows))
        for row in 0..<rows { (bars + row).initialize(to: floors?[row] ?? -.infinity) }
    }

    deinit {
        entries.deallocate()
        counts.deallocate()
        bars.deallocate()
    }

    /// The loss a candidate for `row` must reach.
    @inline(__always)
    func bar(_ row: Int) -> Double { bars[row] }

    /// Holds a candidate for `row`, offering the row's batch when it is full.
    @inline(__always)
    func hold(_ candidate: TailLoss, row: Int, tails: SharedTails) {
        let count = counts[row]
        (entries + row * Self.perRow + count).initialize(to: candidate)
        counts[row] = count + 1
        if count + 1 == Self.perRow { offer(row: row, tails: tails) }
    }

    /// Offers the candidates held for `row`, and takes its admission loss after them.
    func offer(row: Int, tails: SharedTails) {
        let count = counts[row]
        guard count > 0 else { return }
        bars[row] = tails.offer(row: row, entries + row * Self.perRow, count: count)
        counts[row] = 0
    }

    /// Offers every row's held candidates.
    func offerAll(tails: SharedTails) {
        for row in 0..<rowCount { offer(row: row, tails: tails) }
    }
}
