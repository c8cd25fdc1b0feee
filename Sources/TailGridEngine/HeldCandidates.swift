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
final class HeldCandidates: TailCandidates {
    /// Candidates held per row before they are offered.
    static let perRow = 32

    let rowCount: Int
    /// The tails held candidates go to.
    let tails: SharedTails
    /// The row `admissionLoss` and `offer(loss:scenario:)` are about: whoever adds a row's
    /// losses sets it first (a field, not a value made per row and tile: one holding these
    /// objects' references cost two retains and releases each time, 2% of a large book's
    /// CPU).
    var row = 0
    private let entries: UnsafeMutablePointer<TailLoss>
    private let counts: UnsafeMutablePointer<Int>
    private let bars: UnsafeMutablePointer<Double>

    /// Nothing held for `tails`, each row's bar at its floor in `floors` (nil: none).
    init(rows: Int, floors: [Double]?, tails: SharedTails) {
        precondition(floors == nil || floors?.count == rows, "one floor per row")
        rowCount = rows
        self.tails = tails
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
    var admissionLoss: Double { bars[row] }

    /// Holds a loss of `row` that reaches its bar, offering the row's batch when it is full.
    @inline(__always)
    func offer(loss: Double, scenario: UInt64) {
        guard loss >= bars[row] else { return }
        let count = counts[row]
        (entries + row * Self.perRow + count).initialize(to: TailLoss(loss: loss, scenario: scenario))
        counts[row] = count + 1
        if count + 1 == Self.perRow { offerHeld(row: row) }
    }

    /// Asks the cache for the line `row`'s next candidate goes to (a row's candidates are
    /// 512 bytes among 10 MB on 20,000 rows, rarely in cache).
    @inline(__always)
    func prefetch(row: Int) {
        guard row < rowCount else { return }
        CacheHint.prefetch(line: entries + (row &* Self.perRow &+ counts[row]))
    }

    /// Offers the candidates held for `row`, and takes its admission loss after them.
    func offerHeld(row: Int) {
        let count = counts[row]
        guard count > 0 else { return }
        bars[row] = tails.offer(row: row, entries + row * Self.perRow, count: count)
        counts[row] = 0
    }

    /// Raises each row's bar to its entry in `floors` where that is higher (the shared
    /// tails' floors were raised: a lower bar here would only hold losses they turn away).
    func raiseBars(to floors: [Double]) {
        precondition(floors.count == rowCount, "one floor per row")
        for row in 0..<rowCount { bars[row] = Swift.max(bars[row], floors[row]) }
    }

    /// Offers every row's held candidates.
    func offerAll() {
        for row in 0..<rowCount { offerHeld(row: row) }
    }
}
