/// Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw,
/// "Parallel random numbers: as easy as 1, 2, 3" (SC 2011).
///
/// It is a keyed bijection: the same (key, counter) always gives the same four
/// 32-bit words, and no state is carried from one call to the next. TailGrid keys it
/// with the job seed and counts with (scenario index, draw index), which makes every
/// scenario a pure function of (seed, scenario index).
public struct Philox4x32: Sendable, Hashable {
    public typealias Counter = SIMD4<UInt32>
    public typealias Key = SIMD2<UInt32>

    public let key: Key

    @inlinable
    public init(key: Key) {
        self.key = key
    }

    /// Keys the generator with a 64-bit seed: low word first.
    @inlinable
    public init(seed: UInt64) {
        self.key = Key(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
    }

    @usableFromInline static let multiplier0: UInt32 = 0xD251_1F53
    @usableFromInline static let multiplier1: UInt32 = 0xCD9E_8D57
    @usableFromInline static let weyl0: UInt32 = 0x9E37_79B9
    @usableFromInline static let weyl1: UInt32 = 0xBB67_AE85

    /// The ten-round block function.
    @inlinable
    public func block(_ counter: Counter) -> Counter {
        var x = counter
        var k0 = key.x
        var k1 = key.y
        for round in 0..<10 {
            if round > 0 {
                k0 &+= Self.weyl0
                k1 &+= Self.weyl1
            }
            let product0 = UInt64(Self.multiplier0) &* UInt64(x.x)
            let product1 = UInt64(Self.multiplier1) &* UInt64(x.z)
            let hi0 = UInt32(truncatingIfNeeded: product0 >> 32)
            let lo0 = UInt32(truncatingIfNeeded: product0)
            let hi1 = UInt32(truncatingIfNeeded: product1 >> 32)
            let lo1 = UInt32(truncatingIfNeeded: product1)
            x = Counter(hi1 ^ x.y ^ k0, lo1, hi0 ^ x.w ^ k1, lo0)
        }
        return x
    }

    /// Eight blocks at once, one per lane: lane i of the result is
    /// `block(Counter(c0[i], c1[i], c2[i], c3[i]))`, word by word. The same integer
    /// operations lane-wise (32 x 32 -> 64-bit products), so the same bits, in vector
    /// registers.
    @inlinable
    public func blocks(_ c0: SIMD8<UInt32>, _ c1: SIMD8<UInt32>, _ c2: SIMD8<UInt32>, _ c3: SIMD8<UInt32>)
        -> (SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>) {
        var x0 = c0
        var x1 = c1
        var x2 = c2
        var x3 = c3
        var k0 = key.x
        var k1 = key.y
        let m0 = SIMD8<UInt64>(repeating: UInt64(Self.multiplier0))
        let m1 = SIMD8<UInt64>(repeating: UInt64(Self.multiplier1))
        for round in 0..<10 {
            if round > 0 {
                k0 &+= Self.weyl0
                k1 &+= Self.weyl1
            }
            let product0 = SIMD8<UInt64>(truncatingIfNeeded: x0) &* m0
            let product1 = SIMD8<UInt64>(truncatingIfNeeded: x2) &* m1
            let hi0 = SIMD8<UInt32>(truncatingIfNeeded: product0 &>> 32)
            let lo0 = SIMD8<UInt32>(truncatingIfNeeded: product0)
            let hi1 = SIMD8<UInt32>(truncatingIfNeeded: product1 &>> 32)
            let lo1 = SIMD8<UInt32>(truncatingIfNeeded: product1)
            let next0 = hi1 ^ x1 ^ k0
            let next2 = hi0 ^ x3 ^ k1
            x0 = next0
            x1 = lo1
            x2 = next2
            x3 = lo0
        }
        return (x0, x1, x2, x3)
    }

    /// The counter for draw `draw` of stream `stream` of scenario `scenario`.
    @inlinable
    public static func counter(scenario: UInt64, draw: UInt32, stream: UInt32) -> Counter {
        Counter(UInt32(truncatingIfNeeded: scenario), UInt32(truncatingIfNeeded: scenario >> 32), draw, stream)
    }

    /// Two uniforms in the open interval (0, 1), each with 52 random bits, from one block.
    @inlinable
    public func uniformPair(_ counter: Counter) -> (Double, Double) {
        let words = block(counter)
        return (Self.openUniform(high: words.x, low: words.y), Self.openUniform(high: words.z, low: words.w))
    }

    /// Maps 64 random bits to (k + 0.5) / 2^52 for the top 52 bits k: never 0, never 1.
    /// (With 53 bits the largest value, (2^53 - 0.5) / 2^53, would round to exactly 1.)
    @inlinable
    public static func openUniform(high: UInt32, low: UInt32) -> Double {
        let bits = (UInt64(high) << 32 | UInt64(low)) >> 12
        return (Double(bits) + 0.5) * 0x1p-52
    }

    /// `openUniform(high:low:)` of 8 lanes, the same bits, in vector registers: k < 2^52
    /// is the double 2^52 + k with k in its mantissa (exact), and (2^52 + k) - (2^52 - 0.5)
    /// = k + 0.5 is exact too (it has at most 53 significant bits), where a conversion of
    /// each lane's integer was a scalar instruction per lane.
    @inlinable @inline(__always)
    public static func openUniforms(high: SIMD8<UInt32>, low: SIMD8<UInt32>) -> SIMD8<Double> {
        let bits = (SIMD8<UInt64>(truncatingIfNeeded: high) &<< 32 | SIMD8<UInt64>(truncatingIfNeeded: low)) &>> 12
        let shifted = unsafeBitCast(bits | SIMD8(repeating: 0x4330_0000_0000_0000), to: SIMD8<Double>.self)
        return (shifted - SIMD8(repeating: 4503599627370495.5)) * 0x1p-52
    }
}
