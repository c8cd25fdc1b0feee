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

    /// Sorts by rank, in place, entries that are ranked runs end to end (tails appended one
    /// after another, as a merge collects chunks' tails). Runs of a few hundred merge 4-5x
    /// faster as runs, by the standard library's sort (a merge of natural runs), than
    /// `sortByRank`'s quicksort sorts them; thousands of runs of a few entries (a
    /// 10M-scenario job's late chunks) sort faster by quicksort (a coordinator's merge took
    /// 0.7 s against 1.1 s). An entry starts a run where it does not rank after the one
    /// before it.
    public mutating func sortRankedRuns() {
        var runs = 1
        for index in indices.dropFirst() where !self[index - 1].ranksBefore(self[index]) { runs += 1 }
        if count >= Self.longRun * runs {
            sort { $0.ranksBefore($1) }
        } else {
            sortByRank()
        }
    }

    /// The mean run length from which `sortRankedRuns` merges runs rather than quicksorting.
    static var longRun: Int { 32 }

    /// Merges `other` (ranked largest first) into this ranked tail, keeping the first
    /// `capacity`, through `scratch`, a buffer the caller reuses: the merge is written
    /// into the scratch buffer, which then becomes this tail's storage, and this tail's
    /// old storage becomes the scratch buffer (a swap, not a copy back). Buffers only
    /// change hands, so nothing is allocated once they have grown to their working size;
    /// a scratch buffer too small grows geometrically (up to `capacity`), not by each
    /// batch. A caller whose tails all fill gives the scratch buffer the whole capacity
    /// up front (`SummaryMerger`). O(count + other.count).
    public mutating func mergeRanked(_ other: [TailLoss], capacity: Int, scratch: inout [TailLoss]) {
        let total = Swift.min(capacity, count + other.count)
        scratch.removeAll(keepingCapacity: true)
        if scratch.capacity < total {
            scratch.reserveCapacity(Swift.min(capacity, Swift.max(total, 2 * self.capacity)))
        }
        var i = 0
        var j = 0
        while scratch.count < total {
            if j >= other.count || (i < count && self[i].ranksBefore(other[j])) {
                scratch.append(self[i])
                i += 1
            } else {
                scratch.append(other[j])
                j += 1
            }
        }
        swap(&self, &scratch)
    }

    /// Merges two tails, each ranked largest first, keeping the first `capacity`.
    public static func mergedTail(_ a: [TailLoss], _ b: [TailLoss], capacity: Int) -> [TailLoss] {
        var merged = a
        var scratch: [TailLoss] = []
        merged.mergeRanked(b, capacity: capacity, scratch: &scratch)
        return merged
    }
}
