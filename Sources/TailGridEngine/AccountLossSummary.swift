import TailGridNumerics

/// What a chunk of scenarios says about one account's losses, and what the merge of
/// chunks says: everything VaR and ES need, and nothing that grows with the scenarios.
///
/// The count, the exact sums of losses and squared losses, and the histogram cover every
/// scenario; the tail holds the largest losses with their scenario indices. Merging is
/// exact, associative and commutative, so any split of the scenario range into chunks,
/// merged in any order, gives the summary of the whole range bit for bit.
public struct AccountLossSummary: Sendable, Hashable {
    public var count: Int
    public var sum: ExactSum
    public var sumOfSquares: ExactSum
    public var histogram: LossHistogram
    /// The largest losses, ranked largest first, at most `tailCapacity`.
    public var tail: [TailLoss]
    /// Scenarios whose loss was NaN or infinite (always 0 in a sound run).
    public var nonFiniteCount: Int

    public init(histogramLayout: LossHistogram.Layout) {
        count = 0
        sum = ExactSum()
        sumOfSquares = ExactSum()
        histogram = LossHistogram(layout: histogramLayout)
        tail = []
        nonFiniteCount = 0
    }

    public init(count: Int, sum: ExactSum, sumOfSquares: ExactSum, histogram: LossHistogram,
                tail: [TailLoss], nonFiniteCount: Int) {
        self.count = count
        self.sum = sum
        self.sumOfSquares = sumOfSquares
        self.histogram = histogram
        self.tail = tail
        self.nonFiniteCount = nonFiniteCount
    }

    /// Merges everything of `other` but its tail (count, sums, histogram, non-finite
    /// count); `SummaryMerger` merges tails in batches.
    public mutating func mergeMoments(_ other: AccountLossSummary) {
        count += other.count
        sum.add(other.sum)
        sumOfSquares.add(other.sumOfSquares)
        histogram.merge(other.histogram)
        nonFiniteCount += other.nonFiniteCount
    }

    /// Mean loss over all scenarios; nil when a loss was too large for the exact sums
    /// (magnitude 2^124 or more), which then cannot give a mean.
    public var mean: Double? {
        guard !sum.isInvalid, count > 0 else { return nil }
        return sum.value / Double(count)
    }

    /// Standard deviation of the loss (with the N - 1 divisor); nil when a squared loss
    /// was too large for the exact sums (a loss of about 4.6e18 USD or more).
    public var standardDeviation: Double? {
        guard let mean, !sumOfSquares.isInvalid else { return nil }
        guard count > 1 else { return 0 }
        let n = Double(count)
        return Swift.max(0, (sumOfSquares.value - n * mean * mean) / (n - 1)).squareRoot()
    }
}
