/// SplitMix64 (Steele, Lea and Flood 2014): a small generator whose stream is a pure
/// function of its seed on every platform. For synthetic books and seeded property tests;
/// not for cryptography, nor for the engine's scenarios (those use Philox).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 53 bits.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in (0, 1): the top 53 bits plus half a step, never 0 or 1.
    public mutating func openUnit() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }

    /// Uniform in 0..<bound (bound > 0), by multiply-shift: the bias is below 2^-32 for
    /// bounds below 2^32.
    public mutating func below(_ bound: Int) -> Int {
        Int(((next() >> 32) &* UInt64(bound)) >> 32)
    }
}
