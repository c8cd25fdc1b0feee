extension ExactSum {
    /// `addRounded`'s first two passes at a unit chosen before a block is seen, for a loop
    /// that splits each value as it computes it instead of storing the block and summing
    /// it after (`LossMoments`' one pass over a block of profits).
    ///
    /// At first unit u = 2^e (e above -96) and second unit u' = 2^max(e - 44, -96), a
    /// value v with |v| < `bound` = 2^(e + 44) splits exactly as v = high + middle + rest:
    /// high is v rounded to a multiple of u, middle is v - high rounded to a multiple of
    /// u' (`split`). Up to 256 highs (each at most 2^44 u) and their middles sum exactly
    /// in doubles, in any order. When every rest is zero, or u' is 2^-96 (`secondIsFinal`:
    /// the rest is what rounding to 2^-96 drops), high + middle is v's nearest multiple of
    /// 2^-96 whatever e was, so `add(highs:middles:)` of the two totals adds the same
    /// integer as adding the values one by one. A block split at a unit above its own
    /// largest value still sums exactly; it only needs its values within about 35
    /// binades of the bound for the rests to be zero.
    public struct TwoPassSplit: Sendable, Equatable {
        /// e: the first unit is 2^e.
        public let unitExponent: Int
        /// Values must be below this in magnitude: 2^(e + 44).
        public let bound: Double
        /// The second unit is 2^-96: a nonzero rest is rounded away, not left over.
        public let secondIsFinal: Bool
        @usableFromInline let firstShifter: Double
        @usableFromInline let secondShifter: Double

        /// The split at first unit 2^e; nil unless -96 < e <= 71 (a block at 2^-96 takes one
        /// pass, and `add(block:count:highestBiasedExponent:)` sends values of 2^115 or
        /// more one by one).
        public init?(unitExponent e: Int) {
            guard e > -96, e <= 71 else { return nil }
            let second = Swift.max(e - 44, -96)
            unitExponent = e
            bound = Double(sign: .plus, exponent: e + 44, significand: 1)
            secondIsFinal = second == -96
            // sigma = 1.5 2^52 u: (sigma + r) - sigma is r rounded to a multiple of u.
            firstShifter = Double(sign: .plus, exponent: e, significand: 1) * 6755399441055744.0
            secondShifter = Double(sign: .plus, exponent: second, significand: 1) * 6755399441055744.0
        }

        /// The split `addRounded` uses for a block whose largest biased exponent (bits 52...62
        /// of its values) is given; nil where it would not take two passes.
        public init?(highestBiasedExponent: Int) {
            self.init(unitExponent: highestBiasedExponent - 1023 - 43)
        }

        /// Each lane's high, middle and rest (see the type); exact for lanes below `bound`.
        @inlinable @inline(__always)
        public func split(_ values: SIMD4<Double>) -> (high: SIMD4<Double>, middle: SIMD4<Double>, rest: SIMD4<Double>) {
            let first = SIMD4<Double>(repeating: firstShifter)
            let second = SIMD4<Double>(repeating: secondShifter)
            let high = (values + first) - first
            let afterHigh = values - high
            let middle = (afterHigh + second) - second
            return (high, middle, afterHigh - middle)
        }
    }

    /// The running totals of at most 256 values split at one `TwoPassSplit`, each below
    /// its bound, a group of 4 at a time: their highs, their middles, and whether any rest
    /// was left (`leftNothing`), the one test that tells whether `add(_:negated:)` of them
    /// is the values' own integer.
    public struct SplitTotals: Sendable {
        public let split: TwoPassSplit
        @usableFromInline var highs: SIMD4<Double>
        @usableFromInline var middles: SIMD4<Double>
        @usableFromInline var rests: SIMD4<UInt64>

        @inlinable
        public init(_ split: TwoPassSplit) {
            self.split = split
            highs = .zero
            middles = .zero
            rests = .zero
        }

        /// Splits 4 more values into the totals.
        @inlinable @inline(__always)
        public mutating func take(_ values: SIMD4<Double>) {
            let parts = split.split(values)
            highs += parts.high
            middles += parts.middle
            rests |= unsafeBitCast(parts.rest, to: SIMD4<UInt64>.self)
        }

        /// True when every rest was zero (a rest of -0 is none), or the second unit is
        /// 2^-96, whose rests rounding drops.
        @inlinable
        public var leftNothing: Bool {
            split.secondIsFinal || (rests[0] | rests[1] | rests[2] | rests[3]) & 0x7FFF_FFFF_FFFF_FFFF == 0
        }
    }

    /// Adds the values `totals` took (their negations with `negated`): the same integer as
    /// adding them one by one when `totals.leftNothing`.
    @inlinable
    public mutating func add(_ totals: SplitTotals, negated: Bool = false) {
        let highs = totals.highs.sum()
        let middles = totals.middles.sum()
        add(highs: negated ? -highs : highs, middles: negated ? -middles : middles)
    }

    /// Adds the totals of the highs and of the middles of at most 256 values split at one
    /// `TwoPassSplit`, each below its bound, whose rests were all zero unless the split's
    /// second unit is final: the same integer as adding those values one by one. Totals
    /// that no such block can give (not finite, 2^124 or more) mark the sum invalid.
    @inlinable
    public mutating func add(highs: Double, middles: Double) {
        guard highs.isFinite, middles.isFinite, abs(highs) < Self.limit, abs(middles) < Self.limit else {
            storedInvalid = true
            return
        }
        addMultiple(highs)
        addMultiple(middles)
    }
}
