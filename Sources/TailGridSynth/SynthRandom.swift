import Foundation
import TailGridNumerics

/// The draws a synthetic book is made of, from SplitMix64: a pure function of the seed on
/// every platform, so a book is the same bytes for the same seed anywhere.
struct SynthRandom {
    var generator: SplitMix64

    init(seed: UInt64) {
        generator = SplitMix64(seed: seed)
    }

    mutating func next() -> UInt64 { generator.next() }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { generator.unit() }

    /// Uniform in 0..<bound (bound > 0).
    mutating func below(_ bound: Int) -> Int { generator.below(bound) }

    /// One of `weights`' indices, with probability proportional to its weight.
    mutating func pick(weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var target = unit() * total
        for (index, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return index }
        }
        return weights.count - 1
    }

    /// Log-uniform in [low, high].
    mutating func logUniform(_ low: Double, _ high: Double) -> Double {
        low * exp(unit() * log(high / low))
    }
}
