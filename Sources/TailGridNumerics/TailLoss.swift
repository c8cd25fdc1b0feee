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
    /// Sorts by rank (largest loss first), in place (`RankSort`).
    public mutating func sortByRank() {
        withUnsafeMutableBufferPointer { RankSort.sort($0) }
    }

    /// Sorts by rank, in place, entries that are ranked runs end to end (tails appended one
    /// after another, as a merge collects chunks' tails). A few runs merge in a pass or two
    /// by the standard library's sort (a merge of natural runs: one run costs a pass);
    /// more go to `sortByRank`, whose radix sort does not care how the runs lie (12 ns an
    /// entry against 41 ns for 6,300 entries in runs of 45, a 10M-scenario job's pending
    /// batch, and 13 against 22 for 2,000 in runs of 82). An entry starts a run where it
    /// does not rank after the one before it.
    public mutating func sortRankedRuns() {
        var runs = 1
        for index in indices.dropFirst() where !self[index - 1].ranksBefore(self[index]) { runs += 1 }
        if runs <= Self.fewRuns {
            sort { $0.ranksBefore($1) }
        } else {
            sortByRank()
        }
    }

    /// The most runs `sortRankedRuns` merges as runs rather than radix-sorting (5 runs of
    /// 82 merged in 11 ns an entry against the radix sort's 13).
    static var fewRuns: Int { 4 }

    /// Merges `other` (ranked largest first) into this ranked tail, keeping the first
    /// `capacity`, in place and from the back: the merged order is written from its last
    /// kept position down, so the entries of this tail that rank before all of `other`
    /// are never moved, and nothing is allocated once the tail has its room. A batch
    /// landing near the bottom of a full tail moves only the entries below it (a chunk's
    /// entries, spread over the whole tail, move most of it). O(moved + other.count); a
    /// tail too short for the merge grows geometrically (up to `capacity`).
    ///
    /// On ties the order is `other`'s entry first, as a forward merge taking this tail's
    /// entry only when it `ranksBefore` the other's.
    public mutating func mergeRanked(_ other: [TailLoss], capacity: Int) {
        let kept = count
        let total = Swift.max(0, Swift.min(capacity, kept + other.count))
        if total > kept {
            if self.capacity < total { reserveCapacity(Swift.min(capacity, Swift.max(total, 2 * self.capacity))) }
            append(contentsOf: repeatElement(TailLoss(loss: 0, scenario: 0), count: total - kept))
        }
        withUnsafeMutableBufferPointer { tail in
            other.withUnsafeBufferPointer { batch in
                // Invariant: `merged` = `mine` + `theirs`, the entries not yet placed, and
                // this tail's own `mine` are still at 0..<mine.
                var mine = kept
                var theirs = batch.count
                var merged = mine + theirs
                // The merged order's entries past `total` are dropped, last first.
                while merged > total {
                    if mine > 0 && (theirs == 0 || !tail[mine - 1].ranksBefore(batch[theirs - 1])) {
                        mine -= 1
                    } else {
                        theirs -= 1
                    }
                    merged -= 1
                }
                // Each write lands at `merged` >= `mine`: never on an entry not yet placed.
                // Once the batch is placed, this tail's remaining entries are where they belong.
                while theirs > 0 {
                    merged -= 1
                    if mine > 0 && !tail[mine - 1].ranksBefore(batch[theirs - 1]) {
                        tail[merged] = tail[mine - 1]
                        mine -= 1
                    } else {
                        tail[merged] = batch[theirs - 1]
                        theirs -= 1
                    }
                }
            }
        }
        if count > total { removeLast(count - total) }
    }

    /// Merges two tails, each ranked largest first, keeping the first `capacity`.
    public static func mergedTail(_ a: [TailLoss], _ b: [TailLoss], capacity: Int) -> [TailLoss] {
        var merged = a
        merged.mergeRanked(b, capacity: capacity)
        return merged
    }
}
