/// An exact, order-independent sum of doubles.
///
/// Every addend is converted exactly (down to 2^-96) into a 256-bit fixed-point integer,
/// so sums can be merged in any grouping and order and still give the same bits: the
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
        // From the bits directly: `Double.exponent` is an out-of-line call.
        let bits = x.bitPattern
        let biased = Int((bits >> 52) & 0x7FF)
        var significand = bits & 0x000F_FFFF_FFFF_FFFF
        let exponent: Int
        if biased != 0 {
            significand |= 1 << 52
            exponent = biased - 1075
        } else {
            exponent = -1074
        }
        var position = exponent + Self.fractionBits
        if position < 0 {
            guard position > -64 else { return }
            significand >>= UInt64(-position)
            position = 0
        }
        let digit = position >> 5
        let shift = UInt64(position & 31)
        // significand << shift spans at most 85 bits: three 32-bit digits.
        let low = significand << shift
        let high = shift == 0 ? 0 : significand >> (64 - shift)
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

    /// Adds f(values[0]), ..., f(values[count - 1]) with f(v) = -v (`negated`), v * v
    /// (`squared`) or v: the same integer as adding them one by one, so the same sum.
    ///
    /// Per block of 256 addends that are all finite and below the range limit: each
    /// addend's bits at or above 2^-96 (the one-by-one rule truncates the rest the same
    /// way) are added into one of three 128-bit integers by the 64-bit band of its last
    /// bit (units 2^-96, 2^-32, 2^32; at most 2^116 per addend, so 256 fit), and the
    /// three are folded into the digits once. A block with any other addend takes the
    /// one-by-one path, which marks the sum invalid.
    @inlinable
    public mutating func add(contentsOf values: UnsafePointer<Double>, count: Int, negated: Bool = false,
                             squared: Bool = false) {
        var start = 0
        while start < count {
            let n = Swift.min(256, count - start)
            addBlock(values + start, count: n, negated: negated, squared: squared)
            start += n
        }
    }

    @inlinable
    mutating func addBlock(_ values: UnsafePointer<Double>, count n: Int, negated: Bool, squared: Bool) {
        @inline(__always) func addend(_ index: Int) -> Double {
            let v = values[index]
            return squared ? v * v : (negated ? -v : v)
        }
        var highest: UInt64 = 0
        for index in 0..<n {
            highest = Swift.max(highest, (addend(index).bitPattern >> 52) & 0x7FF)
        }
        // Biased exponent 1146: magnitudes below 2^124 (`limit`); NaN and infinity are 2047.
        guard highest <= 1146 else {
            for index in 0..<n { add(addend(index)) }
            return
        }
        // Biased exponent 979 puts the last significand bit at 2^-96.
        var bands: (Int128, Int128, Int128) = (0, 0, 0)
        for index in 0..<n {
            let bits = addend(index).bitPattern
            let biased = Int((bits >> 52) & 0x7FF)
            guard biased > 0 else { continue }  // zero, or subnormal: below 2^-96 entirely
            let significand = (bits & 0x000F_FFFF_FFFF_FFFF) | (1 << 52)
            let position = biased - 979
            var term: Int128
            if position < 0 {
                guard position > -64 else { continue }
                term = Int128(significand >> UInt64(-position))
            } else {
                term = Int128(significand) << (position & 63)
            }
            if bits >> 63 != 0 { term = 0 &- term }
            if position < 64 {
                bands.0 &+= term
            } else if position < 128 {
                bands.1 &+= term
            } else {
                bands.2 &+= term
            }
        }
        withUnsafeMutableBytes(of: &digits) { raw in
            let lanes = raw.baseAddress!.assumingMemoryBound(to: Int64.self)
            // Band b has unit 2^(64 b - 96): digits 2b ... 2b + 3 (its sum is below 2^124).
            @inline(__always) func fold(_ total: Int128, band: Int) {
                guard total != 0 else { return }
                let sign: Int64 = total < 0 ? -1 : 1
                let magnitude = total.magnitude
                let low = UInt64(truncatingIfNeeded: magnitude)
                let high = UInt64(truncatingIfNeeded: magnitude >> 64)
                lanes[2 * band] &+= sign &* Int64(low & 0xFFFF_FFFF)
                lanes[2 * band + 1] &+= sign &* Int64(low >> 32)
                lanes[2 * band + 2] &+= sign &* Int64(high & 0xFFFF_FFFF)
                lanes[2 * band + 3] &+= sign &* Int64(high >> 32)
            }
            fold(bands.0, band: 0)
            fold(bands.1, band: 1)
            fold(bands.2, band: 2)
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
