/// An exact, order-independent sum of doubles.
///
/// Every addend is rounded to its nearest multiple of 2^-96 (ties to even) and added as a
/// 256-bit fixed-point integer, so sums can be merged in any grouping and order and still give the same bits: the
/// moments of a loss distribution come out identical whether the scenarios were summed
/// in one chunk or in a thousand, on one machine or many. Addends with magnitude 2^124
/// (about 2e37) or more, or that are not finite, mark the sum invalid instead of wrapping.
///
/// Carry-save layout (after Neal's "small superaccumulator"): eight 32-bit digits, each
/// held in an Int64 lane, so adding a double is three integer additions with no carry
/// chain. A lane gains less than 2^32 per addend, so 2^31 addends fit before the lanes
/// must be normalised; `add(_: ExactSum)`, equality and `value` normalise first.
public struct ExactSum: Sendable {
    /// Digit i carries weight 2^(32 i - 96); not normalised.
    @usableFromInline var digits: SIMD8<Int64>
    @usableFromInline var storedInvalid: Bool
    /// Addends since the last normalisation.
    @usableFromInline var pending: UInt32

    @usableFromInline static let fractionBits = 96
    @usableFromInline static let limit: Double = 0x1p124
    @usableFromInline static let normaliseAfter: UInt32 = 1 << 30

    @inlinable
    public init() {
        digits = .zero
        storedInvalid = false
        pending = 0
    }

    /// Rebuilds a sum from its canonical limbs (see `limbs`).
    public init(limbs: SIMD4<UInt64>, isInvalid: Bool) {
        var digits = SIMD8<Int64>.zero
        for index in 0..<8 {
            let word = limbs[index / 2] >> (UInt64(index % 2) * 32)
            digits[index] = Int64(word & 0xFFFF_FFFF)
        }
        // The top digit is signed: two's complement of the whole 256-bit integer.
        if limbs[3] >> 63 == 1 { digits[7] -= 1 << 32 }
        self.digits = digits
        self.storedInvalid = isInvalid
        self.pending = 0
    }

    /// True once an addend was not finite or too large to hold exactly.
    public var isInvalid: Bool { storedInvalid }

    @inlinable
    public mutating func add(_ x: Double) {
        guard x != 0 else { return }
        guard x.isFinite, abs(x) < Self.limit else {
            storedInvalid = true
            return
        }
        var remainder = x
        addRounded(&remainder, count: 1, highestBiasedExponent: Int((x.bitPattern >> 52) & 0x7FF))
    }

    /// Adds f(values[0]), ..., f(values[count - 1]) with f(v) = -v (`negated`), v * v
    /// (`squared`) or v: the same integer as adding them one by one, so the same sum.
    @inlinable
    public mutating func add(contentsOf values: UnsafePointer<Double>, count: Int, negated: Bool = false,
                             squared: Bool = false) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 256) { buffer in
            let block = buffer.baseAddress!
            var start = 0
            while start < count {
                let n = Swift.min(256, count - start)
                var highest: UInt64 = 0
                for index in 0..<n {
                    let v = values[start + index]
                    let addend = squared ? v * v : (negated ? -v : v)
                    block[index] = addend
                    highest = Swift.max(highest, (addend.bitPattern >> 52) & 0x7FF)
                }
                add(block: block, count: n, highestBiasedExponent: Int(highest))
                start += n
            }
        }
    }

    /// Adds block[0..<count], overwriting it, given the largest biased exponent (bits
    /// 52...62) of its values: the same integer as adding them one by one. Up to 256
    /// addends all finite and below 2^115 take the vectorised `addRounded`; otherwise they
    /// go one by one, which marks the sum invalid for a non-finite or too large addend.
    @inlinable
    public mutating func add(block: UnsafeMutablePointer<Double>, count: Int, highestBiasedExponent highest: Int) {
        // Biased exponent 1137: below 2^115, so 256 of them stay below 2^123.
        if count <= 256, highest <= 1137 {
            addRounded(block, count: count, highestBiasedExponent: highest)
        } else {
            for index in 0..<count { add(block[index]) }
        }
    }

    /// Adds the nearest multiples of 2^-96 of `count` (at most 256) finite values below
    /// 2^115 whose largest biased exponent is given, overwriting them.
    ///
    /// Error-free extraction in floating point (Rump, Ogita and Oishi's ExtractScalar):
    /// with sigma = 1.5 2^52 u, q = (sigma + r) - sigma is r rounded to a multiple of u,
    /// exactly, and r - q is exact. A pass at unit u = 2^(e - 43) (|r| < 2^(e+1)) takes the
    /// top bits of every value; the 256 q's, each below 2^44 u, sum exactly in a double
    /// in any order, so eight lanes at a time. Each next pass takes a unit 2^44 smaller,
    /// the last one 2^-96; every pass total is an exact multiple of its unit and is added
    /// to the integer digits. The parts of a value sum to its nearest multiple of 2^-96
    /// whatever the passes were (the earlier units are multiples of 2^-95, so the last
    /// rounding's tie sees the value's own bits): blocks and one-by-one agree. Once every
    /// remainder is zero (or below 2^-537, which rounds to zero at every later unit), the
    /// passes stop: what is left adds nothing. Losses of a few significant digits above
    /// 2^-40 take two passes instead of three or four.
    @inlinable
    mutating func addRounded(_ values: UnsafeMutablePointer<Double>, count n: Int, highestBiasedExponent: Int) {
        var unitExponent = Swift.max(highestBiasedExponent - 1023 - 43, -96)
        if unitExponent > -96, addInTwoPasses(values, count: n, unitExponent: unitExponent) { return }
        while true {
            let unit = Double(bitPattern: UInt64(unitExponent + 1023) << 52)
            let shifter = unit * 6755399441055744.0
            let shifters = SIMD8<Double>(repeating: shifter)
            var lanes = SIMD8<Double>.zero
            // Sum of the squared remainders: zero once nothing is left to add.
            var left = SIMD8<Double>.zero
            var index = 0
            let raw = UnsafeMutableRawPointer(values)
            while index + 8 <= n {
                let r = raw.loadUnaligned(fromByteOffset: index * 8, as: SIMD8<Double>.self)
                let q = (r + shifters) - shifters
                let rest = r - q
                raw.storeBytes(of: rest, toByteOffset: index * 8, as: SIMD8<Double>.self)
                lanes += q
                left += rest * rest
                index += 8
            }
            var total = lanes.sum()
            var leftOver = left.sum()
            while index < n {
                let q = (values[index] + shifter) - shifter
                values[index] -= q
                total += q
                leftOver += values[index] * values[index]
                index += 1
            }
            addMultiple(total)
            if unitExponent == -96 || leftOver == 0 { break }
            unitExponent = Swift.max(unitExponent - 44, -96)
        }
    }

    /// `addRounded`'s first two passes (units 2^e and 2^max(e - 44, -96), e above -96) in
    /// one loop that stores nothing (`TwoPassSplit`), for a block whose values all lie
    /// within 35 binades or so of its largest: their 53 bits then fit in the two units,
    /// which is every block of losses but one holding a loss near zero. True, with both
    /// totals added, when nothing is left for a third pass (or the second was at 2^-96);
    /// false, having added nothing, when something is (or e is beyond the split's range),
    /// for `addRounded`'s loop to start over. Both totals are the passes' own, so the
    /// integer is the same.
    @inlinable
    mutating func addInTwoPasses(_ values: UnsafeMutablePointer<Double>, count n: Int, unitExponent: Int) -> Bool {
        guard let split = TwoPassSplit(unitExponent: unitExponent) else { return false }
        var totals = SplitTotals(split)
        let raw = UnsafeRawPointer(values)
        var index = 0
        while index + 4 <= n {
            totals.take(raw.loadUnaligned(fromByteOffset: index * 8, as: SIMD4<Double>.self))
            index += 4
        }
        if index < n {
            // The last values padded with zeros, whose parts are zero.
            var group = SIMD4<Double>.zero
            for lane in 0..<(n - index) { group[lane] = values[index + lane] }
            totals.take(group)
        }
        guard totals.leftNothing else { return false }
        add(totals)
        return true
    }

    /// Adds x, a multiple of 2^-96 below 2^124 in magnitude, to the digits exactly.
    @inlinable
    mutating func addMultiple(_ x: Double) {
        guard x != 0 else { return }
        // From the bits directly: `Double.exponent` is an out-of-line call.
        let bits = x.bitPattern
        let significand = (bits & 0x000F_FFFF_FFFF_FFFF) | (1 << 52)
        var position = Int((bits >> 52) & 0x7FF) - 1075 + Self.fractionBits
        var shifted = significand
        if position < 0 {
            // The low bits are zero: x is a multiple of 2^-96.
            shifted >>= UInt64(-position)
            position = 0
        }
        let digit = position >> 5
        let shift = UInt64(position & 31)
        // shifted << shift spans at most 85 bits: three 32-bit digits.
        let low = shifted << shift
        let high = shift == 0 ? 0 : shifted >> (64 - shift)
        let d0 = Int64(low & 0xFFFF_FFFF)
        let d1 = Int64(low >> 32)
        let d2 = Int64(high)
        let negative = x < 0
        // Through a pointer: dynamic subscripts of a SIMD8 spill the whole vector.
        withUnsafeMutableBytes(of: &digits) { raw in
            let lanes = raw.baseAddress!.assumingMemoryBound(to: Int64.self)
            if negative {
                lanes[digit] &-= d0
                lanes[digit + 1] &-= d1
                lanes[digit + 2] &-= d2
            } else {
                lanes[digit] &+= d0
                lanes[digit + 1] &+= d1
                lanes[digit + 2] &+= d2
            }
        }
        pending &+= 1
        if pending >= Self.normaliseAfter { normalise() }
    }

    /// Adds another exact sum: exact, so associative and commutative.
    @inlinable
    public mutating func add(_ other: ExactSum) {
        normalise()
        var other = other
        other.normalise()
        digits &+= other.digits
        storedInvalid = storedInvalid || other.storedInvalid
        pending = 1
    }

    /// Propagates carries so that digits 0...6 lie in [0, 2^32) and digit 7 carries the sign.
    @inlinable
    public mutating func normalise() {
        var carry: Int64 = 0
        for index in 0..<7 {
            let total = digits[index] &+ carry
            digits[index] = total & 0xFFFF_FFFF
            carry = total >> 32
        }
        digits[7] &+= carry
        pending = 0
    }

    /// The canonical 256-bit two's-complement integer, least significant limb first;
    /// the integer's unit is 2^-96. Equal sums have equal limbs.
    public var limbs: SIMD4<UInt64> {
        var copy = self
        copy.normalise()
        var limbs = SIMD4<UInt64>.zero
        for index in 0..<4 {
            let low = UInt64(bitPattern: copy.digits[2 * index]) & 0xFFFF_FFFF
            let high = UInt64(bitPattern: copy.digits[2 * index + 1])
            limbs[index] = low | (high << 32)
        }
        return limbs
    }

    /// The sum rounded to a double (NaN when invalid). The same integer always gives the
    /// same double.
    public var value: Double {
        guard !storedInvalid else { return .nan }
        var copy = self
        copy.normalise()
        var result = 0.0
        for index in stride(from: 7, through: 0, by: -1) {
            result = result * 0x1p32 + Double(copy.digits[index])
        }
        return result * 0x1p-96
    }
}

extension ExactSum: Hashable {
    public static func == (lhs: ExactSum, rhs: ExactSum) -> Bool {
        lhs.limbs == rhs.limbs && lhs.storedInvalid == rhs.storedInvalid
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(limbs)
        hasher.combine(storedInvalid)
    }
}
