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
    /// Merges two tails, each ranked largest first, keeping the first `capacity`.
    public static func mergedTail(_ a: [TailLoss], _ b: [TailLoss], capacity: Int) -> [TailLoss] {
        var result: [TailLoss] = []
        result.reserveCapacity(Swift.min(capacity, a.count + b.count))
        var i = 0
        var j = 0
        while result.count < capacity && (i < a.count || j < b.count) {
            if j >= b.count || (i < a.count && a[i].ranksBefore(b[j])) {
                result.append(a[i])
                i += 1
            } else {
                result.append(b[j])
                j += 1
            }
        }
        return result
    }
}
