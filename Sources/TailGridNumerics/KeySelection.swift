/// Selection on order keys (`RankSort.key`: a larger loss has a smaller key): the `r`
/// smallest of n keys moved to the front, and the r-th smallest returned. For what needs
/// a rank's loss and not its scenario (a pilot's floors), where `TailSelector` would carry
/// 16-byte entries and a two-part comparison.
///
/// Quickselect with branch-free passes: each pass moves the keys below a pivot (the median
/// of the range's first, middle and last) to the front by Lomuto's scheme, every key
/// swapped and the front advanced by the comparison's 0 or 1, so no branch waits on the
/// data (the scans of Hoare's scheme mispredicted about every other key: a pilot of
/// 20,000 accounts spent a third of its time there). Keys equal to the pivot stay behind
/// it; when a pass leaves the pivot near the front, a second pass moves those equal to it
/// forward, so a range of one repeated key (an account whose losses are all the same)
/// ends in two passes, not n. Past `passLimit` passes the range left is sorted instead,
/// which bounds any input at n log n.
public enum KeySelection {
    /// Rearranges `keys[0..<count]` so that its first `rank` are the `rank` smallest (in
    /// any order) and returns the largest of them, the rank-th smallest key.
    /// Requires 1 <= rank <= count.
    public static func smallest(_ keys: UnsafeMutablePointer<UInt64>, count: Int, rank: Int) -> UInt64 {
        precondition(rank >= 1 && rank <= count, "a rank within the keys")
        let target = rank &- 1
        var low = 0
        var high = count &- 1
        var passes = 0
        // Invariant: keys[..<low] <= keys[low...high] <= keys[(high + 1)...], and
        // low <= target <= high.
        while high &- low > insertionLimit {
            passes &+= 1
            if passes > passLimit {
                var rest = UnsafeMutableBufferPointer(start: keys + low, count: high &- low &+ 1)
                rest.sort()
                return keys[target]
            }
            let pivot = movePivot(keys, low, high)
            var store = low &+ 1
            var index = low &+ 1
            while index <= high {
                let key = keys[index]
                keys[index] = keys[store]
                keys[store] = key
                store &+= key < pivot ? 1 : 0
                index &+= 1
            }
            // keys[(low + 1)..<store] < pivot <= keys[store...high]: the pivot goes
            // between them.
            let place = store &- 1
            keys[low] = keys[place]
            keys[place] = pivot
            if target < place {
                high = place &- 1
                continue
            }
            if target == place { return pivot }
            let wasLow = low
            low = place &+ 1
            if place &- wasLow < (high &- wasLow) / 8 {
                // Few keys below the pivot: perhaps many equal to it. Those first.
                var equal = low
                index = low
                while index <= high {
                    let key = keys[index]
                    keys[index] = keys[equal]
                    keys[equal] = key
                    equal &+= key == pivot ? 1 : 0
                    index &+= 1
                }
                if target < equal { return pivot }
                low = equal
            }
        }
        // A few keys left: by insertion, which leaves keys[target] the rank-th smallest
        // and every key before it no larger.
        var index = low &+ 1
        while index <= high {
            let key = keys[index]
            var hole = index
            while hole > low && keys[hole &- 1] > key {
                keys[hole] = keys[hole &- 1]
                hole &-= 1
            }
            keys[hole] = key
            index &+= 1
        }
        return keys[target]
    }

    /// Moves the median of keys[low], keys[middle] and keys[high] to keys[low] (the
    /// other two to the middle and the end) and returns it.
    @inline(__always)
    static func movePivot(_ keys: UnsafeMutablePointer<UInt64>, _ low: Int, _ high: Int) -> UInt64 {
        let middle = low &+ (high &- low) / 2
        let a = keys[low], b = keys[middle], c = keys[high]
        let smaller = Swift.min(a, b), larger = Swift.max(a, b)
        let median = Swift.max(smaller, Swift.min(larger, c))
        keys[middle] = Swift.min(smaller, c)
        keys[high] = Swift.max(larger, c)
        keys[low] = median
        return median
    }

    /// Ranges of at most this many keys beyond the first are finished by insertion.
    static let insertionLimit = 16

    /// Partition passes before the range left is sorted instead: well above the 2 log2(n)
    /// or so that median-of-three pivots take on any ordinary input.
    static let passLimit = 48
}
