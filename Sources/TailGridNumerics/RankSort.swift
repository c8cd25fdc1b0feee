/// Sorts tail entries by rank (`TailLoss.ranksBefore`: largest loss first, equal losses by
/// scenario, smallest first) by their losses' bits: a most-significant-digit radix sort.
///
/// A loss maps to a 64-bit key whose unsigned order is the losses' order reversed (`key`),
/// so ranking is sorting keys upwards. One pass finds the bits in which the keys differ at
/// all (a tail's losses share their sign and most of their exponent); the highest
/// log2(n) of those place each entry in one of about n buckets in one counting pass and
/// one scatter; buckets of a few entries are then ranked by insertion, larger ones by the
/// same sort on their own differing bits. Entries of equal losses share a key, hence a
/// bucket, and insertion (or the fallback by scenario) orders them by scenario. The order
/// is total, so the result is the one any correct sort gives.
///
/// Why: the quicksort it replaces (median-of-three, branch-free partitions) took 23 ns an
/// entry for tails of 1,062 and 35 ns for 100,000 spread over memory, where this takes 12
/// and 13 (a standalone harness), and 12 ns against 6-7 for tails of 1,000 in cache (the
/// benchmark). A local run ranks every account's tail at its end, a worker every account's
/// part of every chunk, and a merge its pending batches.
public enum RankSort {
    /// Ranks `entries` in place.
    public static func sort(_ entries: UnsafeMutableBufferPointer<TailLoss>) {
        sort(entries, top: entries.count)
    }

    /// Puts the top `top` of `entries`, ranked, in its first `top` places; the rest are
    /// left in no order. One pass of the sort places every entry in its bucket, and only
    /// the buckets starting before `top` are ranked further: where a selection of the top
    /// and then a sort of it (`TailSelector`'s cut of a tail kept with room to spare)
    /// read the entries three or four times, this reads them the sort's twice. The same
    /// entries in the same order as a whole sort's first `top`, the order being total.
    public static func sort(_ entries: UnsafeMutableBufferPointer<TailLoss>, top: Int) {
        guard let base = entries.baseAddress, top > 0 else { return }
        let n = entries.count
        guard n > insertionLimit else {
            insertionSort(base, count: n)
            return
        }
        // The scatter's room, on the heap: every level of the recursion scatters and copies
        // back before it recurses, so one buffer serves them all. (Room from
        // `withUnsafeTemporaryAllocation`, nested in the recursion, reached the scatter as a
        // wild pointer in the build for generic x86-64, and the run crashed.)
        let scratch = UnsafeMutablePointer<TailLoss>.allocate(capacity: n)
        defer { scratch.deallocate() }
        sort(base, count: n, top: Swift.min(top, n), scratch: scratch)
    }

    /// The key whose unsigned order is the rank order of losses: a larger loss has a
    /// smaller key. -0 takes +0's key (they are equal losses); NaN, which no tail holds,
    /// takes a key of its own.
    @inlinable @inline(__always)
    public static func key(_ loss: Double) -> UInt64 {
        orderKey(bitPattern: (loss == 0 ? 0 : loss).bitPattern)
    }

    /// `key` of 8 losses at once (the same keys, lane by lane).
    @inlinable @inline(__always)
    public static func keys(_ losses: SIMD8<Double>) -> SIMD8<UInt64> {
        let low63 = SIMD8<UInt64>(repeating: 0x7FFF_FFFF_FFFF_FFFF)
        let bits = unsafeBitCast(losses.replacing(with: 0, where: losses .== 0), to: SIMD8<UInt64>.self)
        return bits.replacing(with: bits ^ low63, where: bits .<= low63)
    }

    /// The loss whose bits have the order key `key` (`orderKey` undone: every key comes
    /// back as the double it was made from).
    @inlinable @inline(__always)
    public static func loss(key: UInt64) -> Double {
        Double(bitPattern: orderKey(bitPattern: key))
    }

    /// A double's bits as a key that falls as the double rises: the bits, the 63 below
    /// the sign inverted when it is clear. A positive double's key is below 2^63 and
    /// smaller the larger it is; a negative one keeps its bits, at or above 2^63, larger
    /// the more negative (+0's key is 2^63 - 1, -0's 2^63). Its own inverse, so every bit
    /// pattern comes back: the wire's compact tails send steps between these keys.
    @inlinable @inline(__always)
    public static func orderKey(bitPattern bits: UInt64) -> UInt64 {
        bits >> 63 == 1 ? bits : bits ^ 0x7FFF_FFFF_FFFF_FFFF
    }

    /// Buckets (a bucket per entry or so) hold at most this many entries to be ranked by
    /// insertion; larger ones are sorted again on their own differing bits.
    static let insertionLimit = 32

    /// Ranks the top `top` (1...n) of `base[0..<n]` into its first places, scattering
    /// through `scratch` (room for n at least).
    static func sort(_ base: UnsafeMutablePointer<TailLoss>, count n: Int, top: Int, scratch: UnsafeMutablePointer<TailLoss>) {
        guard n > insertionLimit else {
            insertionSort(base, count: n)
            return
        }
        let first = key(base[0].loss)
        var differing: UInt64 = 0
        for index in 0..<n { differing |= key(base[index].loss) ^ first }
        guard differing != 0 else {
            // One loss throughout: by scenario.
            var run = UnsafeMutableBufferPointer(start: base, count: n)
            run.sort { $0.scenario < $1.scenario }
            return
        }
        let highest = 63 - differing.leadingZeroBitCount
        let bits = Swift.min(16, Swift.max(4, Int.bitWidth - n.leadingZeroBitCount))
        let shift = UInt64(Swift.max(0, highest + 1 - bits))
        let mask = UInt64(1) << UInt64(bits) - 1
        let buckets = 1 << bits
        // Each level's own bounds: the loop over its buckets below recurses.
        let bounds = UnsafeMutablePointer<Int32>.allocate(capacity: buckets + 1)
        defer { bounds.deallocate() }
        bounds.initialize(repeating: 0, count: buckets + 1)
        // The bits above `highest` are every key's: the bucket is monotone in the key.
        for index in 0..<n {
            bounds[Int(truncatingIfNeeded: (key(base[index].loss) >> shift) & mask) &+ 1] &+= 1
        }
        for bucket in 0..<buckets { bounds[bucket &+ 1] &+= bounds[bucket] }
        // bounds[b] starts as bucket b's first place and ends as bucket b + 1's.
        for index in 0..<n {
            let entry = base[index]
            let bucket = Int(truncatingIfNeeded: (key(entry.loss) >> shift) & mask)
            (scratch + Int(bounds[bucket])).initialize(to: entry)
            bounds[bucket] &+= 1
        }
        base.update(from: scratch, count: n)
        // Buckets from `top` on hold none of the top: left as they lie.
        var start = 0
        for bucket in 0..<buckets where start < top {
            let end = Int(bounds[bucket])
            let size = end &- start
            if size > insertionLimit {
                sort(base + start, count: size, top: Swift.min(size, top &- start), scratch: scratch)
            } else if size > 1 {
                insertionSort(base + start, count: size)
            }
            start = end
        }
    }

    /// Ranks a few entries by insertion.
    @inline(__always)
    static func insertionSort(_ base: UnsafeMutablePointer<TailLoss>, count n: Int) {
        var index = 1
        while index < n {
            let entry = base[index]
            var position = index
            while position > 0 && entry.ranksBefore(base[position &- 1]) {
                base[position] = base[position &- 1]
                position &-= 1
            }
            base[position] = entry
            index &+= 1
        }
    }
}
