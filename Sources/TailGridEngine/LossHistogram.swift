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

        /// Bins over [lower, upper). Bounds that are not finite or not increasing, or a
        /// range too wide to divide, give a layout that still never traps: every loss then
        /// lands in the underflow, the overflow or the one bin it reaches.
        public init(lower: Double, upper: Double, binCount: Int = Layout.defaultBinCount) {
            let binCount = Swift.max(1, binCount)
            let lower = lower.isFinite ? lower : -Double.greatestFiniteMagnitude
            let upper = upper.isFinite && upper > lower ? upper : lower.nextUp
            self.lower = lower
            self.upper = upper
            self.binCount = binCount
            let width = upper - lower
            self.binsPerUnit = width.isFinite && width > 0 ? Double(binCount) / width : 0
        }

        /// Bins covering three times the range of losses seen in a pilot sample, centred on
        /// it; a degenerate sample (all losses equal) gets a unit-wide range around it.
        public init(pilotLosses losses: [Double]) {
            let low = losses.min() ?? 0
            let high = losses.max() ?? 0
            let span = high - low
            if !span.isFinite || !(low - span).isFinite || !(high + span).isFinite {
                // Losses near the largest doubles: bins over the sample itself.
                self.init(lower: low, upper: high)
            } else if span > 1e-9 * Swift.max(1, abs(low), abs(high)) {
                self.init(lower: low - span, upper: high + span)
            } else {
                let half = Swift.max(1, abs(low) * 0.01)
                self.init(lower: low - half, upper: low + half)
            }
        }

        public var binWidth: Double { (upper - lower) / Double(binCount) }

        /// Where a loss is counted.
        public enum Region: Sendable, Hashable {
            case underflow
            case bin(Int)
            case overflow
        }

        /// The region of a finite loss: the one rule both the histogram and the checks of
        /// received summaries use. Never traps, whatever the loss.
        @inlinable
        public func region(of loss: Double) -> Region {
            if loss < lower { return .underflow }
            if !(loss < upper) { return .overflow }
            let offset = (loss - lower) * binsPerUnit
            // offset is in [0, binCount) unless rounding (or a zero-width multiplier) says
            // otherwise; NaN fails the comparison too.
            return .bin(offset < Double(binCount) ? Int(offset) : binCount - 1)
        }

        /// The region of a finite loss as one index: a bin 0..<binCount, `binCount` for
        /// the underflow, `binCount + 1` for the overflow; the same region as
        /// `region(of:)`. Branch-free, so a loop over losses vectorises: the position is
        /// chosen by selects, then floored through the bits of position + 2^52.
        @inlinable
        public func slot(of loss: Double) -> Int {
            let offset = (loss - lower) * binsPerUnit
            // offset >= 0 when loss >= lower; NaN (a zero-width multiplier) takes the last bin.
            var position = offset < Double(binCount) ? offset : Double(binCount &- 1)
            position = loss < lower ? Double(binCount) : position
            position = loss < upper ? position : Double(binCount &+ 1)
            // position is in [0, binCount + 1]: position + 2^52 rounds it to the nearest
            // integer k, held in the low bits, and k - 1 when k > position is its floor.
            let shifted = position + 0x1p52
            let nearest = Int(truncatingIfNeeded: shifted.bitPattern & 0xF_FFFF_FFFF_FFFF)
            return nearest &- (shifted - 0x1p52 > position ? 1 : 0)
        }
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
        switch layout.region(of: loss) {
        case .underflow: underflow += 1
        case .overflow: overflow += 1
        case .bin(let bin): counts[bin] += 1
        }
    }

    /// Counts given by slot (`Layout.slot(of:)`): `slotCounts` holds binCount + 2 entries,
    /// the bins, then the underflow and the overflow.
    public mutating func add(slotCounts: UnsafeBufferPointer<Int>) {
        guard slotCounts.count == counts.count + 2 else { return }
        for index in counts.indices { counts[index] += slotCounts[index] }
        underflow += slotCounts[counts.count]
        overflow += slotCounts[counts.count + 1]
    }

    /// All counts, underflow and overflow included.
    public var total: Int { counts.reduce(0, &+) &+ underflow &+ overflow }

    /// Adds the counts of a histogram of the same layout (the merge checks layouts first).
    public mutating func merge(_ other: LossHistogram) {
        guard layout == other.layout, counts.count == other.counts.count else { return }
        for index in counts.indices { counts[index] += other.counts[index] }
        underflow += other.underflow
        overflow += other.overflow
    }
}
