import Testing
import TailGridNumerics

@Suite("Philox4x32-10")
struct PhiloxTests {
    /// Known-answer vectors of Random123 (kat_vectors, philox4x32_10).
    @Test(arguments: [
        (SIMD4<UInt32>(0, 0, 0, 0), SIMD2<UInt32>(0, 0),
         SIMD4<UInt32>(0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)),
        (SIMD4<UInt32>(.max, .max, .max, .max), SIMD2<UInt32>(.max, .max),
         SIMD4<UInt32>(0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)),
        (SIMD4<UInt32>(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), SIMD2<UInt32>(0xa409_3822, 0x299f_31d0),
         SIMD4<UInt32>(0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)),
    ])
    func knownAnswers(counter: SIMD4<UInt32>, key: SIMD2<UInt32>, expected: SIMD4<UInt32>) {
        #expect(Philox4x32(key: key).block(counter) == expected)
    }

    @Test func seedIsSplitLowWordFirst() {
        #expect(Philox4x32(seed: 0x299f_31d0_a409_3822).key == SIMD2(0xa409_3822, 0x299f_31d0))
    }

    @Test func uniformsAreInsideTheOpenInterval() {
        #expect(Philox4x32.openUniform(high: 0, low: 0) > 0)
        #expect(Philox4x32.openUniform(high: .max, low: .max) < 1)
        #expect(Philox4x32.openUniform(high: .max, low: .max) == 1 - 0x1p-53)
        #expect(Philox4x32.openUniform(high: 0, low: 0) == 0x1p-53)
    }

    /// Eight lanes at a time give the bits of one at a time: the extremes, the words around
    /// the 12 bits the map drops and the 2^52 it adds, and Philox's own blocks.
    @Test func eightUniformsAreTheBitsOfOne() {
        let edges: [UInt32] = [0, 1, 0xFFF, 0x1000, 0x1001, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_F000, .max - 1, .max]
        var highs: [UInt32] = []
        var lows: [UInt32] = []
        for high in edges {
            for low in edges {
                highs.append(high)
                lows.append(low)
            }
        }
        let generator = Philox4x32(seed: 7)
        for scenario in 0..<2_002 {
            let words = generator.block(Philox4x32.counter(scenario: UInt64(scenario), draw: 3, stream: 0))
            highs += [words.x, words.z]
            lows += [words.y, words.w]
        }
        var differing = 0
        for start in stride(from: 0, to: highs.count, by: 8) {
            let high = SIMD8<UInt32>(highs[start..<start + 8])
            let low = SIMD8<UInt32>(lows[start..<start + 8])
            let lanes = Philox4x32.openUniforms(high: high, low: low)
            for lane in 0..<8 where lanes[lane].bitPattern
                != Philox4x32.openUniform(high: high[lane], low: low[lane]).bitPattern {
                differing += 1
            }
        }
        #expect(highs.count == 4_104)
        #expect(differing == 0)
    }

    /// Mean and variance of 200,000 uniforms within 4 standard errors of 1/2 and 1/12.
    @Test func uniformMoments() {
        let generator = Philox4x32(seed: 42)
        var sum = 0.0
        var squares = 0.0
        let n = 100_000
        for index in 0..<n {
            let (a, b) = generator.uniformPair(Philox4x32.counter(scenario: UInt64(index), draw: 0, stream: 0))
            sum += a + b
            squares += a * a + b * b
        }
        let count = Double(2 * n)
        let mean = sum / count
        let variance = squares / count - mean * mean
        #expect(abs(mean - 0.5) < 4 * (1.0 / 12 / count).squareRoot())
        #expect(abs(variance - 1.0 / 12) < 4 * (1.0 / 180 / count).squareRoot())
    }
}

/// Eight lanes at once are eight scalar blocks, bit for bit.
@Suite struct PhiloxLaneTests {
    @Test(arguments: [0, 1, 0x1234_5678_9ABC_DEF0, UInt64.max])
    func eightLanesAreEightBlocks(seed: UInt64) {
        let philox = Philox4x32(seed: seed)
        var state = seed &+ 1
        func word() -> UInt32 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt32(truncatingIfNeeded: state >> 29)
        }
        for _ in 0..<50 {
            let c0 = SIMD8<UInt32>((0..<8).map { _ in word() })
            let c1 = SIMD8<UInt32>((0..<8).map { _ in word() })
            let c2 = SIMD8<UInt32>((0..<8).map { _ in word() })
            let c3 = SIMD8<UInt32>((0..<8).map { _ in word() })
            let (w0, w1, w2, w3) = philox.blocks(c0, c1, c2, c3)
            for lane in 0..<8 {
                let scalar = philox.block(Philox4x32.Counter(c0[lane], c1[lane], c2[lane], c3[lane]))
                #expect(scalar == Philox4x32.Counter(w0[lane], w1[lane], w2[lane], w3[lane]))
            }
        }
    }
}
