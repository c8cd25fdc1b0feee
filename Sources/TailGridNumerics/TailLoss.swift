/// One scenario's loss, kept because it is among the largest.
///
/// Losses are ordered largest first, and equal losses by scenario index, smallest
/// first, so every selection and merge of tails is deterministic.
public struct TailLoss: Sendable, Hashable {
    public var loss: Double
    public var scenario: UInt64

    @inlinable
    public init(loss: Double, scenario: UInt64) {
        self.loss = loss
        self.scenario = scenario
    }

    /// True when `self` ranks before `other` in the tail (a larger loss, or an equal loss
    /// in an earlier scenario).
    @inlinable
    public func ranksBefore(_ other: TailLoss) -> Bool {
        loss > other.loss || (loss == other.loss && scenario < other.scenario)
    }
}

extension Array where Element == TailLoss {
    /// Sorts by rank (largest loss first), in place.
    public mutating func sortByRank() {
        withUnsafeMutableBufferPointer { TailSelector.sort($0) }
    }

    /// Merges `other` (ranked largest first) into this ranked tail in place, keeping the
    /// first `capacity`: a merge from the back into the room appended for `other`, so it
    /// allocates nothing once the array has grown to its working size, and costs
    /// O(count + other.count).
    public mutating func mergeRanked(_ other: [TailLoss], capacity: Int) {
        let n = count
        let m = other.count
        if m > 0 {
            append(contentsOf: other)
            withUnsafeMutableBufferPointer { entries in
                other.withUnsafeBufferPointer { incoming in
                    var i = n - 1
                    var j = m - 1
                    var k = n + m - 1
                    while j >= 0 {
                        // The entry ranking later goes to the back.
                        if i >= 0 && incoming[j].ranksBefore(entries[i]) {
                            entries[k] = entries[i]
                            i -= 1
                        } else {
                            entries[k] = incoming[j]
                            j -= 1
                        }
                        k -= 1
                    }
                }
            }
        }
        if count > capacity { removeLast(count - capacity) }
    }

    /// Merges two tails, each ranked largest first, keeping the first `capacity`.
    public static func mergedTail(_ a: [TailLoss], _ b: [TailLoss], capacity: Int) -> [TailLoss] {
        var merged = a
        merged.mergeRanked(b, capacity: capacity)
        return merged
    }
}
