import TailGridNumerics

/// The consistency rules every chunk summary must meet before it is merged, so that a
/// summary from the wire (a broken or lying worker) can be refused instead of reaching an
/// estimator or a merge that trusts it.
///
/// For one account of a chunk of n scenarios computed with tail capacity K and floor f:
/// - count + non-finite count = n; histogram regions add up to count;
/// - the tail is ranked (loss descending, scenario ascending), its scenario indices are
///   unique and inside the chunk, every loss is finite and at or above f, and it holds at
///   most min(K, count) entries;
/// - the tail agrees with the histogram: no region holds fewer losses than the tail puts
///   in it; a region whose losses all rank above the tail's last entry (a full tail) or
///   all lie at or above f (a tail that is not full, so it kept every loss >= f) holds
///   exactly the tail's entries;
/// - the sums agree with the count: zero for no losses, a non-negative sum of squares,
///   sum^2 <= count x sum of squares (Cauchy-Schwarz), and the mean no larger than the
///   largest loss when the tail shows it.
public enum SummaryCheck {
    /// Working space for checking the accounts of one chunk in turn: a bit per scenario of
    /// the chunk (a tail's scenarios must be unique) and the tail's count per histogram
    /// bin. A coordinator checks every account of every chunk on its request path: the
    /// check was a sixth of its CPU while workers computed, most of it a hash set of
    /// scenarios per account.
    public struct Scratch: Sendable {
        /// Bit i of word i / 64: scenario lowerBound + i seen in the tail being checked.
        /// All zero between checks.
        var seen: [UInt64] = []
        var binsInTail: [Int] = []

        public init() {}

        /// Room for the scenarios of a chunk of `count`, every bit clear.
        mutating func prepare(scenarios count: Int, bins: Int) {
            let words = (count + 63) / 64
            if seen.count < words { seen = [UInt64](repeating: 0, count: words) }
            binsInTail.removeAll(keepingCapacity: true)
            binsInTail.append(contentsOf: repeatElement(0, count: bins))
        }

        /// Sets the bit of the scenario at `offset` in the chunk (inside the room
        /// `prepare` made); false when it was set already.
        mutating func mark(_ offset: UInt64) -> Bool {
            let word = Int(truncatingIfNeeded: offset >> 6)
            let bit: UInt64 = 1 << (offset & 63)
            guard seen[word] & bit == 0 else { return false }
            seen[word] |= bit
            return true
        }

        /// Clears the word holding the bit of the scenario at `offset`.
        mutating func clear(_ offset: UInt64) {
            seen[Int(truncatingIfNeeded: offset >> 6)] = 0
        }

        /// Every entry rule of `check` in one pass without a branch per rule (finite, at
        /// or above the floor, inside the chunk, not seen before, ranked after the one
        /// before): when all hold, every entry's bit is set, its bin counted, and the tail's
        /// losses below and above the histogram are returned; when one breaks, nil, with
        /// this space as `prepare` left it, for a walk that names the entry (a test and a
        /// branch per rule and per entry, which every honest tail used to take). Bins are
        /// counted by `LossHistogram.Layout.slot(of:)`, the same region as the walk's
        /// `region(of:)` for the finite losses a passing tail holds.
        mutating func passes(_ tail: [TailLoss], scenarios: Range<UInt64>, floor: Double,
                             layout: LossHistogram.Layout) -> (underflow: Int, overflow: Int)? {
            // A tail holds no more entries than the chunk has scenarios (checked before), so
            // a non-empty one has at least one word of bits; binsInTail has one per bin.
            guard !tail.isEmpty else { return (0, 0) }
            guard !seen.isEmpty, binsInTail.count == layout.binCount else { return nil }
            let chunk = UInt64(scenarios.count)
            let binCount = layout.binCount
            var failed = false
            var underflow = 0
            var overflow = 0
            seen.withUnsafeMutableBufferPointer { seen in
                binsInTail.withUnsafeMutableBufferPointer { bins in
                    func count(_ losses: Int, in slot: Int) {
                        // One unsigned comparison keeps the write inside the bins whatever the slot.
                        if UInt(bitPattern: slot) < UInt(binCount) {
                            bins[slot] &+= losses
                        } else if slot == binCount {
                            underflow &+= losses
                        } else {
                            overflow &+= losses
                        }
                    }
                    tail.withUnsafeBufferPointer { tail in
                        var previous = TailLoss(loss: .infinity, scenario: 0)
                        // A ranked tail's slots only fall: counted as runs, so neighbours in
                        // one bin do not each wait for the other's increment in memory.
                        var runSlot = layout.slot(of: tail[0].loss)
                        var runLength = 0
                        for entry in tail {
                            let offset = entry.scenario &- scenarios.lowerBound
                            let inside = offset < chunk
                            // An entry outside the chunk sets no bit (word 0, bit 0).
                            let word = inside ? Int(truncatingIfNeeded: offset >> 6) : 0
                            let bit: UInt64 = inside ? 1 &<< (offset & 63) : 0
                            let seenBefore = seen[word] & bit != 0
                            seen[word] |= bit
                            let ranked = previous.loss > entry.loss
                                || (previous.loss == entry.loss && previous.scenario < entry.scenario)
                            failed = failed || !(entry.loss.isFinite && entry.loss >= floor && inside && ranked) || seenBefore
                            previous = entry
                            // 0..<binCount, binCount for the underflow, binCount + 1 for the overflow.
                            let slot = layout.slot(of: entry.loss)
                            if slot != runSlot {
                                count(runLength, in: runSlot)
                                runSlot = slot
                                runLength = 0
                            }
                            runLength &+= 1
                        }
                        count(runLength, in: runSlot)
                    }
                }
            }
            guard failed else { return (underflow, overflow) }
            for entry in tail {
                let offset = entry.scenario &- scenarios.lowerBound
                if offset < chunk { clear(offset) }
            }
            for bin in binsInTail.indices { binsInTail[bin] = 0 }
            return nil
        }
    }

    /// Checks one account's summary; the error says which rule broke.
    public static func check(_ summary: AccountLossSummary, scenarios: Range<UInt64>, layout: LossHistogram.Layout,
                             tailCapacity: Int, floor: Double) throws(EngineError) {
        var scratch = Scratch()
        try check(summary, scenarios: scenarios, layout: layout, tailCapacity: tailCapacity, floor: floor, scratch: &scratch)
    }

    /// `check(_:scenarios:layout:tailCapacity:floor:)` through the caller's working space,
    /// reused from one account to the next.
    public static func check(_ summary: AccountLossSummary, scenarios: Range<UInt64>, layout: LossHistogram.Layout,
                             tailCapacity: Int, floor: Double, scratch: inout Scratch) throws(EngineError) {
        func fail(_ rule: String) -> EngineError { EngineError(.inconsistentSummary, rule) }
        let n = scenarios.count
        guard summary.count >= 0, summary.nonFiniteCount >= 0, summary.count <= n, summary.nonFiniteCount <= n,
              summary.count + summary.nonFiniteCount == n else {
            throw fail("counts \(summary.count) + \(summary.nonFiniteCount) non-finite do not add up to the chunk's \(n) scenarios")
        }
        let histogram = summary.histogram
        guard histogram.layout == layout, histogram.counts.count == layout.binCount else {
            throw fail("the histogram's bins are not the job's")
        }
        guard histogram.underflow >= 0, histogram.overflow >= 0, histogram.counts.allSatisfy({ $0 >= 0 && $0 <= n }),
              histogram.underflow <= n, histogram.overflow <= n, histogram.total == summary.count else {
            throw fail("the histogram holds \(histogram.total) losses, the count is \(summary.count)")
        }
        let tail = summary.tail
        let capacity = Swift.min(tailCapacity, summary.count)
        guard tail.count <= capacity else {
            throw fail("the tail holds \(tail.count) losses, at most \(capacity) are kept")
        }
        // The chunk's range comes from the job's own plan, so the bits number at most its
        // chunk size; the tail (from the wire) only sets bits inside it.
        scratch.prepare(scenarios: n, bins: layout.binCount)
        var underflowInTail = 0
        var overflowInTail = 0
        // Entries whose bits are set: cleared on every way out, so the next check starts
        // from zero.
        var marked = 0
        defer {
            for entry in tail.prefix(marked) { scratch.clear(entry.scenario &- scenarios.lowerBound) }
        }
        if let regions = scratch.passes(tail, scenarios: scenarios, floor: floor, layout: layout) {
            marked = tail.count
            (underflowInTail, overflowInTail) = regions
        } else {
            // Some entry breaks a rule: walked again one by one to say which.
            for (index, entry) in tail.enumerated() {
                guard entry.loss.isFinite, entry.loss >= floor else {
                    throw fail("tail entry \(index) (\(entry.loss)) is not finite or lies below the floor \(floor) it was sent")
                }
                // The range check comes first, so the bit lies inside the chunk's room.
                guard scenarios.contains(entry.scenario), scratch.mark(entry.scenario &- scenarios.lowerBound) else {
                    throw fail("tail entry \(index) names scenario \(entry.scenario), outside the chunk or twice")
                }
                marked = index + 1
                if index > 0 && !tail[index - 1].ranksBefore(entry) {
                    throw fail("the tail is not ranked at entry \(index)")
                }
                switch layout.region(of: entry.loss) {
                case .underflow: underflowInTail += 1
                case .overflow: overflowInTail += 1
                case .bin(let bin): scratch.binsInTail[bin] += 1
                }
            }
        }
        let binsInTail = scratch.binsInTail
        guard underflowInTail <= histogram.underflow, overflowInTail <= histogram.overflow,
              zip(binsInTail, histogram.counts).allSatisfy({ $0 <= $1 }) else {
            throw fail("the tail holds losses the histogram does not count")
        }
        // Regions whose every loss the tail must hold: above the last kept entry when the
        // tail is full, at or above the floor when it is not.
        let mustHoldAbove: Double
        let inclusive: Bool
        if tail.count == capacity, let last = tail.last {
            mustHoldAbove = last.loss
            inclusive = false
        } else if tail.count == capacity {
            mustHoldAbove = .infinity // capacity 0: no losses at all
            inclusive = false
        } else {
            mustHoldAbove = floor
            inclusive = true
        }
        func entirelyAbove(_ lowerEdge: Double) -> Bool {
            inclusive ? lowerEdge >= mustHoldAbove : lowerEdge > mustHoldAbove
        }
        if entirelyAbove(-.infinity), underflowInTail != histogram.underflow {
            throw fail("the tail is missing losses below the histogram")
        }
        if entirelyAbove(layout.upper), overflowInTail != histogram.overflow {
            throw fail("the tail is missing losses above the histogram")
        }
        // A bin's losses lie at or above its lower edge, up to the rounding of the bin
        // index: a margin of 1e-12 of the range's magnitude covers it.
        let margin = 1e-12 * Swift.max(abs(layout.lower), abs(layout.upper))
        for bin in 0..<layout.binCount where layout.binsPerUnit > 0 {
            let edge = layout.lower + Double(bin) / layout.binsPerUnit - margin
            if edge.isFinite, entirelyAbove(edge), binsInTail[bin] != histogram.counts[bin] {
                throw fail("the tail is missing losses of histogram bin \(bin)")
            }
        }
        try checkSums(summary, fail: fail)
    }

    static func checkSums(_ summary: AccountLossSummary, fail: (String) -> EngineError) throws(EngineError) {
        guard !summary.sum.isInvalid && !summary.sumOfSquares.isInvalid else { return } // reported as not finite later
        let sum = summary.sum.value
        let squares = summary.sumOfSquares.value
        guard summary.count > 0 else {
            guard sum == 0, squares == 0 else { throw fail("sums of no losses are not zero") }
            return
        }
        guard squares >= 0 else { throw fail("the sum of squared losses is negative") }
        let n = Double(summary.count)
        // Both sums are exact integers rounded once: allow a relative 1e-9.
        guard sum * sum <= n * squares * (1 + 1e-9) + 1e-300 else {
            throw fail("the sums break Cauchy-Schwarz (sum^2 > count x sum of squares)")
        }
        // A non-empty tail starts with the chunk's largest loss.
        if let largest = summary.tail.first?.loss {
            guard sum <= n * largest + 1e-9 * Swift.max(abs(sum), n * abs(largest)) else {
                throw fail("the mean loss exceeds the largest loss")
            }
        }
    }
}
