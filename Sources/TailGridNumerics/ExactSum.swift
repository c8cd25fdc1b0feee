/// An exact, order-independent sum of doubles.
///
/// Every addend is converted exactly (down to 2^-96) into a 256-bit two's-complement
/// fixed-point integer, so sums can be merged in any grouping and order and still
/// give the same bits: the moments of a loss distribution come out identical whether
/// the scenarios were summed in one chunk or in a thousand, on one machine or many.
/// Addends with magnitude 2^124 (about 2e37) or more, or that are not finite, mark the
/// sum invalid instead of wrapping.
public struct ExactSum: Sendable, Hashable {
    /// Limbs, least significant first; the integer's unit is 2^-96.
    public var limbs: SIMD4<UInt64> { storedLimbs }
    /// True once an addend was not finite or too large to hold exactly.
    public var isInvalid: Bool { storedInvalid }

    @usableFromInline var storedLimbs: SIMD4<UInt64>
    @usableFromInline var storedInvalid: Bool

    @usableFromInline static let fractionBits = 96
    @usableFromInline static let limit: Double = 0x1p124

    @inlinable
    public init() {
        storedLimbs = .zero
        storedInvalid = false
    }

    public init(limbs: SIMD4<UInt64>, isInvalid: Bool) {
        self.storedLimbs = limbs
        self.storedInvalid = isInvalid
    }

    @inlinable
    public mutating func add(_ x: Double) {
        guard x != 0 else { return }
        guard x.isFinite, abs(x) < Self.limit else {
            storedInvalid = true
            return
        }
        var significand = x.significandBitPattern
        let exponent: Int
        if x.isNormal {
            significand |= 1 << 52
            exponent = Int(x.exponent) - 52
        } else {
            exponent = -1074
        }
        var position = exponent + Self.fractionBits
        if position < 0 {
            guard position > -64 else { return }
            significand >>= UInt64(-position)
            position = 0
        }
        let limb = position >> 6
        let offset = UInt64(position & 63)
        let low = significand << offset
        let high = offset == 0 ? 0 : significand >> (64 - offset)
        var addend = SIMD4<UInt64>.zero
        addend[limb] = low
        if limb < 3 { addend[limb + 1] = high }
        if x < 0 {
            storedLimbs = Self.subtract(storedLimbs, addend)
        } else {
            storedLimbs = Self.add(storedLimbs, addend)
        }
    }

    /// Adds another exact sum: exact, so associative and commutative.
    @inlinable
    public mutating func add(_ other: ExactSum) {
        storedLimbs = Self.add(storedLimbs, other.storedLimbs)
        storedInvalid = storedInvalid || other.storedInvalid
    }

    /// The sum rounded to a double (NaN when invalid). The same integer always gives the
    /// same double.
    public var value: Double {
        guard !isInvalid else { return .nan }
        let negative = limbs[3] >> 63 == 1
        let magnitude = negative ? Self.subtract(.zero, limbs) : limbs
        var result = 0.0
        for index in stride(from: 3, through: 0, by: -1) {
            result = result * 0x1p64 + Double(magnitude[index])
        }
        result *= 0x1p-96
        return negative ? -result : result
    }

    @inlinable
    static func add(_ a: SIMD4<UInt64>, _ b: SIMD4<UInt64>) -> SIMD4<UInt64> {
        var result = SIMD4<UInt64>.zero
        var carry: UInt64 = 0
        for index in 0..<4 {
            let (partial, overflow1) = a[index].addingReportingOverflow(b[index])
            let (total, overflow2) = partial.addingReportingOverflow(carry)
            result[index] = total
            carry = (overflow1 || overflow2) ? 1 : 0
        }
        return result
    }

    @inlinable
    static func subtract(_ a: SIMD4<UInt64>, _ b: SIMD4<UInt64>) -> SIMD4<UInt64> {
        var result = SIMD4<UInt64>.zero
        var borrow: UInt64 = 0
        for index in 0..<4 {
            let (partial, overflow1) = a[index].subtractingReportingOverflow(b[index])
            let (total, overflow2) = partial.subtractingReportingOverflow(borrow)
            result[index] = total
            borrow = (overflow1 || overflow2) ? 1 : 0
        }
        return result
    }
}
