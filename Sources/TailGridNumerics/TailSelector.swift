/// Keeps the `capacity` largest losses seen (ranked by `TailLoss.ranksBefore`).
///
/// Candidates go into a buffer with room for `capacity + slack`; when it is full, a
/// quickselect keeps the top `capacity` and the last of them becomes the admission bar,
/// which only rises. That is amortised O(1) per admitted loss, where a heap pays
/// O(log capacity), and most losses are turned away by one comparison. The ranking is a
/// total order (losses, then scenario indices), so the kept set is the same whatever
/// the selection algorithm.
///
/// A loss below `floor` is never kept: the coordinator of a distributed run passes the
/// lowest loss still inside the tails it already holds, since nothing smaller can enter.
///
/// Memory: the buffer grows with what is admitted, never past `capacity + slack`
/// entries, and `takeRankedTail()` hands over exactly the kept entries and frees it. A
/// chunk holds one selector per account (20,000 on a large book), so what each keeps
/// beyond its admitted entries is multiplied by the accounts.
public struct TailSelector: Sendable {
    public let capacity: Int
    /// Losses below it are turned away; it only rises (`raiseFloor(to:)`).
    public private(set) var floor: Double
    @usableFromInline let bufferLimit: Int
    /// The buffer takes its whole room at the first admission instead of growing.
    @usableFromInline let reservesAtOnce: Bool
    @usableFromInline var buffer: [TailLoss]
    /// Once the buffer was first cut to `capacity`: the last kept entry; a candidate must
    /// rank before it.
    @usableFromInline var bar: TailLoss?

    /// A selector of the `capacity` largest losses at or above `floor`. `slack` is the room
    /// beyond `capacity` (default: a quarter of it, at least 256): each cut costs the
    /// buffer, so a smaller slack cuts more often for less memory. With `reservesAtOnce`
    /// the buffer is allocated whole at the first admission, for a selector that will
    /// fill (no intermediate buffers to free and fragment the heap).
    public init(capacity: Int, floor: Double = -.infinity, slack: Int? = nil, reservesAtOnce: Bool = false) {
        precondition(capacity > 0, "a tail keeps at least one loss")
        self.capacity = capacity
        self.floor = floor
        self.bufferLimit = capacity + Swift.max(1, slack ?? Swift.max(256, capacity / 4))
        self.reservesAtOnce = reservesAtOnce
        self.buffer = []
        self.bar = nil
    }

    /// The smallest loss that can still be admitted.
    @inlinable
    public var admissionLoss: Double {
        Swift.max(floor, bar?.loss ?? -.infinity)
    }

    @inlinable
    public mutating func offer(loss: Double, scenario: UInt64) {
        guard loss >= floor else { return }
        let candidate = TailLoss(loss: loss, scenario: scenario)
        if let bar, !candidate.ranksBefore(bar) { return }
        if buffer.count == buffer.capacity { grow() }
        buffer.append(candidate)
        if buffer.count >= bufferLimit { cut() }
    }

    /// Raises the floor to `floor` where that is higher: from then on a loss below it is
    /// turned away. Entries kept before stay (a local run's staged floors check at the end
    /// that its tails' k-th losses reached the highest floor, `StagedFloors`).
    public mutating func raiseFloor(to floor: Double) {
        self.floor = Swift.max(self.floor, floor)
    }

    /// The loss of the `rank`-th (from 1) kept entry, largest first; nil when fewer are
    /// kept. A selection in the buffer, whose order nothing else relies on.
    public mutating func keptLoss(ranked rank: Int) -> Double? {
        guard rank >= 1, rank <= buffer.count else { return nil }
        return buffer.withUnsafeMutableBufferPointer { Self.lastOfTop($0, count: rank).loss }
    }

    /// Grows the buffer's room by half, up to `bufferLimit`: an append past the room
    /// would double it, and a chunk of 20,000 accounts would carry the unused half.
    @usableFromInline
    mutating func grow() {
        if reservesAtOnce {
            buffer.reserveCapacity(bufferLimit)
            return
        }
        buffer.reserveCapacity(Swift.min(bufferLimit, Swift.max(32, buffer.count + buffer.count / 2)))
    }

    /// The kept losses, ranked largest first, in an array of exactly their size; the
    /// selector is left empty (its buffer freed), its bar and floor as they were.
    public mutating func takeRankedTail() -> [TailLoss] {
        Array(takeRankedTailInPlace()[...])
    }

    /// `takeRankedTail()` ranked in the buffer itself, which is handed over with its room:
    /// no copy, for a tail kept to the end of a run rather than shipped.
    public mutating func takeRankedTailInPlace() -> [TailLoss] {
        buffer.withUnsafeMutableBufferPointer { RankSort.sort($0, top: capacity) }
        if buffer.count > capacity { buffer.removeLast(buffer.count - capacity) }
        var ranked: [TailLoss] = []
        swap(&ranked, &buffer)
        return ranked
    }

    /// Keeps the top `capacity` of the buffer and raises the bar to the last of them.
    @usableFromInline
    mutating func cut() {
        bar = buffer.withUnsafeMutableBufferPointer { Self.lastOfTop($0, count: capacity) }
        buffer.removeLast(buffer.count - capacity)
    }

    /// The last of the top `count` of `entries` (1...entries.count), which are left in
    /// its first `count` places (`select`).
    @usableFromInline
    static func lastOfTop(_ entries: UnsafeMutableBufferPointer<TailLoss>, count: Int) -> TailLoss {
        if count < entries.count { select(entries, count: count) }
        var last = entries[0]
        for entry in entries.prefix(count) where last.ranksBefore(entry) { last = entry }
        return last
    }

    /// Rearranges `entries` so that its first `count` are the top `count` (in any order).
    ///
    /// A cut keeps k of k + slack entries, so the entry it looks for ranks near the end.
    /// A median pivot first halves the buffer and needs several more passes to reach it;
    /// a first pivot from a sample (after Floyd and Rivest) is chosen to rank a little
    /// before the target, so one pass leaves only the slack and that margin to search (the
    /// 2,000-account book's partitions, final ranking included, fell from 7.8% to 6.2% of
    /// its CPU). Whatever the pivots, the top `count` are the same set.
    static func select(_ entries: UnsafeMutableBufferPointer<TailLoss>, count: Int) {
        var low = 0
        var high = entries.count - 1
        let target = count - 1
        if let pivot = sampledPivot(entries, target: target) {
            let store = partition(entries, low, high, pivotAt: pivot)
            if store == target { return }
            if store < target { low = store + 1 } else { high = store - 1 }
        }
        while low < high {
            let store = partition(entries, low, high)
            if store == target { return }
            if store < target { low = store + 1 } else { high = store - 1 }
        }
    }

    /// Entries `sampledPivot` looks at.
    static let sampleSize = 32

    /// The index of an entry expected to rank a little before `target` (by two standard
    /// deviations of the sample's estimate of its rank), from `sampleSize`
    /// entries taken at even strides; nil for a buffer too small to gain from it, or a
    /// target in its first half, where the median pivot does as well.
    static func sampledPivot(_ entries: UnsafeMutableBufferPointer<TailLoss>, target: Int) -> Int? {
        let n = entries.count
        let m = sampleSize
        guard n >= 16 * m, 2 * target >= n else { return nil }
        let fraction = Double(target) / Double(n)
        let spread = 2 * (fraction * (1 - fraction) * Double(m)).squareRoot()
        let rank = Int(fraction * Double(m) - spread)
        guard rank >= 0 else { return nil }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: m) { sample in
            let stride = n / m
            for index in 0..<m {
                // Insertion by rank: 32 entries cost less than one pass over the buffer.
                let position = index * stride + stride / 2
                var slot = index
                while slot > 0 && entries[position].ranksBefore(entries[sample[slot - 1]]) {
                    sample[slot] = sample[slot - 1]
                    slot -= 1
                }
                sample[slot] = position
            }
            return sample[rank]
        }
    }

    /// Partitions `entries[low...high]` around a median-of-three pivot (Lomuto, by rank)
    /// and returns the pivot's final index: entries before it rank before it.
    static func partition(_ entries: UnsafeMutableBufferPointer<TailLoss>, _ low: Int, _ high: Int) -> Int {
        let middle = low + (high - low) / 2
        if entries[middle].ranksBefore(entries[low]) { entries.swapAt(middle, low) }
        if entries[high].ranksBefore(entries[low]) { entries.swapAt(high, low) }
        if entries[high].ranksBefore(entries[middle]) { entries.swapAt(high, middle) }
        return partition(entries, low, high, pivotAt: middle)
    }

    /// Partitions `entries[low...high]` around the entry at `pivotIndex` (Lomuto, by rank)
    /// and returns the pivot's final index: entries before it rank before it.
    ///
    /// Branch-free: every step moves the entry at `store` to `index` and the entry at
    /// `index` to `store`, and `store` advances by the comparison's outcome (0 or 1).
    /// Which side an entry falls is unpredictable (half the time in a random tail), and a
    /// branch on it mispredicted about as often; the cut that calls this was a tenth of a
    /// large book's CPU.
    static func partition(_ entries: UnsafeMutableBufferPointer<TailLoss>, _ low: Int, _ high: Int,
                          pivotAt pivotIndex: Int) -> Int {
        entries.swapAt(pivotIndex, high)
        let pivot = entries[high]
        let base = entries.baseAddress!
        var store = low
        for index in low..<high {
            let entry = base[index]
            let greater = entry.loss > pivot.loss
            let tiedEarlier = entry.loss == pivot.loss && entry.scenario < pivot.scenario
            base[index] = base[store]
            base[store] = entry
            store &+= (greater ? 1 : 0) | (tiedEarlier ? 1 : 0)
        }
        entries.swapAt(store, high)
        return store
    }
}
