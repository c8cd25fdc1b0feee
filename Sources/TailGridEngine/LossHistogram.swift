/// Fixed bins of one account's loss distribution, for plotting. Counts are integers, so
/// merging histograms is exact in any order.
public struct LossHistogram: Sendable, Hashable {
    public struct Layout: Sendable, Hashable {
        public let lower: Double
        public let upper: Double
        public let binCount: Int

        public static let defaultBinCount = 64

        /// Bins per USD of loss: the one multiplier every bin index is computed with.
        public let binsPerUnit: Double

        public init(lower: Double, upper: Double, binCount: Int = Layout.defaultBinCount) {
            precondition(upper > lower && binCount > 0)
            self.lower = lower
            self.upper = upper
            self.binCount = binCount
            self.binsPerUnit = Double(binCount) / (upper - lower)
        }

        /// Bins covering three times the range of losses seen in a pilot sample, centred on
        /// it; a degenerate sample (all losses equal) gets a unit-wide range around it.
        public init(pilotLosses losses: [Double]) {
            let low = losses.min() ?? 0
            let high = losses.max() ?? 0
            let span = high - low
            if span > 1e-9 * Swift.max(1, abs(low), abs(high)) {
                self.init(lower: low - span, upper: high + span)
            } else {
                let half = Swift.max(1, abs(low) * 0.01)
                self.init(lower: low - half, upper: low + half)
            }
        }

        public var binWidth: Double { (upper - lower) / Double(binCount) }
    }

    public let layout: Layout
    public var counts: [Int]
    /// Losses below `layout.lower` and at or above `layout.upper`.
    public var underflow: Int
    public var overflow: Int

    public init(layout: Layout) {
        self.layout = layout
        self.counts = Array(repeating: 0, count: layout.binCount)
        self.underflow = 0
        self.overflow = 0
    }

    public init(layout: Layout, counts: [Int], underflow: Int, overflow: Int) {
        self.layout = layout
        self.counts = counts
        self.underflow = underflow
        self.overflow = overflow
    }

    @inlinable
    public mutating func add(_ loss: Double) {
        if loss < layout.lower {
            underflow += 1
        } else if loss >= layout.upper {
            overflow += 1
        } else {
            let bin = Int((loss - layout.lower) * layout.binsPerUnit)
            counts[Swift.min(bin, layout.binCount - 1)] += 1
        }
    }

    public mutating func merge(_ other: LossHistogram) {
        precondition(layout == other.layout, "histograms of different layouts")
        for index in counts.indices { counts[index] += other.counts[index] }
        underflow += other.underflow
        overflow += other.overflow
    }
}
