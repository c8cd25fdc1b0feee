import Testing
import TailGridNumerics

@Suite("Exact sums")
struct ExactSumTests {
    @Test func cancellationIsExact() {
        var sum = ExactSum()
        for value in [1e20, 1.0, -1e20, 1e-20] { sum.add(value) }
        #expect(sum.value == 1.0 + 1e-20)
        var naive = 0.0
        for value in [1e20, 1.0, -1e20] { naive += value }
        #expect(naive == 0, "floating addition loses the 1 that the exact sum keeps")
    }

    /// Any split and any order of the same addends gives the same bits.
    @Test(arguments: [1, 7, 64, 1000])
    func groupingAndOrderDoNotMatter(chunk: Int) {
        var generator = SplitMix64(seed: UInt64(chunk))
        let values = (0..<5000).map { _ in generator.wideDouble() }
        var whole = ExactSum()
        for value in values { whole.add(value) }
        var parts: [ExactSum] = []
        for start in stride(from: 0, to: values.count, by: chunk) {
            var part = ExactSum()
            for value in values[start..<min(values.count, start + chunk)].reversed() { part.add(value) }
            parts.append(part)
        }
        var merged = ExactSum()
        for part in parts.reversed() { merged.add(part) }
        #expect(merged == whole)
        #expect(merged.value.bitPattern == whole.value.bitPattern)
    }

    /// Integers add exactly, so the sum of 1...n is n(n+1)/2, and negatives work.
    @Test func integersAndSigns() {
        var sum = ExactSum()
        for value in 1...100_000 { sum.add(Double(value)) }
        #expect(sum.value == 5_000_050_000)
        for value in 1...100_000 { sum.add(-2 * Double(value)) }
        #expect(sum.value == -5_000_050_000)
    }

    /// The canonical limbs survive a round trip, for negative sums too.
    @Test func limbsRoundTrip() {
        var generator = SplitMix64(seed: 5)
        for _ in 0..<200 {
            var sum = ExactSum()
            for _ in 0..<50 { sum.add(generator.wideDouble()) }
            let rebuilt = ExactSum(limbs: sum.limbs, isInvalid: false)
            #expect(rebuilt == sum)
            #expect(rebuilt.value.bitPattern == sum.value.bitPattern)
        }
    }

    /// Against a reference: the exact rational sum of doubles with few significant bits,
    /// computed in integers, matches to the last bit of the double it rounds to.
    @Test func agreesWithIntegerArithmetic() {
        var generator = SplitMix64(seed: 9)
        var sum = ExactSum()
        var reference: Int64 = 0 // in units of 2^-20
        for _ in 0..<100_000 {
            let units = Int64(generator.next() % 2_000_000_001) - 1_000_000_000
            reference += units
            sum.add(Double(units) * 0x1p-20)
        }
        #expect(sum.value == Double(reference) * 0x1p-20)
    }

    /// Addends are rounded to the nearest multiple of 2^-96, ties to even, one by one and
    /// in blocks alike: 1.5 units become 2, 2.5 become 2, 1.25 become 1, 2^-97 becomes 0.
    @Test func roundsToNearestMultipleOfTwoToTheMinus96() {
        let unit = 0x1p-96
        for (value, units) in [(1.5 * unit, 2.0), (2.5 * unit, 2), (1.25 * unit, 1), (0.5 * unit, 0),
                               (-1.5 * unit, -2), (-2.5 * unit, -2), (1 + 1.5 * unit, 0x1p96 + 2)] {
            var one = ExactSum()
            one.add(value)
            #expect(one.value == units * unit, "\(value)")
            var block = ExactSum()
            let row = [Double](repeating: value, count: 8) + [1e-3]
            row.withUnsafeBufferPointer { block.add(contentsOf: $0.baseAddress!, count: $0.count) }
            var reference = ExactSum()
            for addend in row { reference.add(addend) }
            #expect(block == reference)
        }
    }

    @Test func nonFiniteMarksTheSumInvalid() {
        var sum = ExactSum()
        sum.add(1)
        sum.add(.nan)
        #expect(sum.isInvalid)
        #expect(sum.value.isNaN)
    }

    /// The block path (`add(contentsOf:)`) gives the limbs of adding one by one, negated
    /// and squared too, for addends spanning 2^-140 ... 2^123: values whose bits go below
    /// 2^-96 (rounded the same way), subnormals, signed zeros, and the three 64-bit
    /// bands; blocks holding NaN, infinity or 2^124 fall back and mark the sum invalid.
    @Test(arguments: [1, 3, 255, 256, 257, 1000])
    func blocksAddLikeOneByOne(count: Int) {
        var generator = SplitMix64(seed: UInt64(count) &* 7919)
        func value() -> Double {
            switch generator.next() % 8 {
            case 0: return 0
            case 1: return -0.0
            case 2: return Double.leastNonzeroMagnitude * Double(generator.next() % 1000)
            case 3: return Double(sign: generator.next() & 1 == 0 ? .plus : .minus,
                                  exponent: Int(generator.next() % 264) - 140, significand: 1 + generator.openUnit())
            default: return generator.wideDouble()
            }
        }
        let values = (0..<count).map { _ in value() }
        for (negated, squared) in [(false, false), (true, false), (false, true)] {
            var one = ExactSum()
            for v in values { one.add(squared ? v * v : (negated ? -v : v)) }
            var block = ExactSum()
            values.withUnsafeBufferPointer { block.add(contentsOf: $0.baseAddress!, count: count, negated: negated, squared: squared) }
            #expect(block.limbs == one.limbs, "negated \(negated), squared \(squared)")
            #expect(block.isInvalid == one.isInvalid)
        }
        for poison in [Double.nan, .infinity, -0x1p124] {
            var withPoison = values
            withPoison[count / 2] = poison
            var block = ExactSum()
            withPoison.withUnsafeBufferPointer { block.add(contentsOf: $0.baseAddress!, count: count) }
            #expect(block.isInvalid)
        }
    }

    /// Blocks whose values carry all 53 bits within a few binades of the largest take the
    /// first two passes in one loop (`addInTwoPasses`): losses of 1e3 ... 1e6, values near
    /// 2^-50 whose second pass is the last (at 2^-96, rounding their low bits), and the
    /// same blocks with one value 2^40 below the largest, whose bits need a third pass.
    /// Each equals adding one by one.
    @Test(arguments: [8, 13, 256])
    func blocksOfFullSignificandsAddLikeOneByOne(count: Int) {
        var generator = SplitMix64(seed: 4099 &* UInt64(count))
        for scale in [1e3, 0x1p-50] {
            let full = (0..<count).map { _ in
                let magnitude = scale * (1 + 1000 * generator.openUnit())
                return generator.next() & 1 == 0 ? magnitude : -magnitude
            }
            for far in [Double?.none, scale * 0x1p-40 * (1 + generator.openUnit())] {
                var values = full
                if let far { values[count / 2] = far }
                for squared in [false, true] {
                    var one = ExactSum()
                    for v in values { one.add(squared ? v * v : v) }
                    var block = ExactSum()
                    values.withUnsafeBufferPointer { block.add(contentsOf: $0.baseAddress!, count: count, squared: squared) }
                    #expect(block.limbs == one.limbs, "scale \(scale), far \(String(describing: far)), squared \(squared)")
                }
            }
        }
    }

    /// The passes of a block stop once every remainder is zero. Blocks of losses with few
    /// significant bits (whole numbers and halves) stop after one pass; the same blocks with
    /// one addend whose last bits lie in a later pass (3 x 2^-97, which rounds to 2^-96, or
    /// 2^-60 + 2^-96) must take those passes: each equals adding one by one.
    @Test func passesStopOnlyWhenNothingIsLeft() {
        var generator = SplitMix64(seed: 97)
        for count in [8, 13, 256] {
            let plain = (0..<count).map { _ in Double(Int(generator.next() % 2_000_001) - 1_000_000) / 2 }
            for late in [Double?.none, 3 * 0x1p-97, 0x1p-60 + 0x1p-96, -0x1p-96, 0x1p-98] {
                var values = plain
                if let late { values[count - 1] = late }
                var one = ExactSum()
                for v in values { one.add(v) }
                var block = ExactSum()
                values.withUnsafeBufferPointer { block.add(contentsOf: $0.baseAddress!, count: count) }
                #expect(block.limbs == one.limbs, "count \(count), late \(String(describing: late))")
                if late == nil { #expect(block.value == values.reduce(0, +)) }
            }
        }
    }

    /// `TwoPassSplit` at a block's own unit and at units up to 40 binades above it: every
    /// value splits exactly (high + (middle + rest) is the value), and where the rests are
    /// zero or the second unit is 2^-96 the two totals add the limbs of adding the values
    /// one by one. Blocks of losses of 1e3 ... 1e6 (full significands, signed zeros, a
    /// remainder of 1 to 3 values), values near 2^-50 (second unit final), and the same
    /// losses with one value 2^40 below, whose rests are not zero at the block's own unit.
    @Test(arguments: [4, 7, 256])
    func splitBlocksAddLikeOneByOne(count: Int) {
        var generator = SplitMix64(seed: 6151 &* UInt64(count))
        var added = 0
        var refused = 0
        for scale in [1e3, 0x1p-50] {
            var values = (0..<count).map { _ -> Double in
                let magnitude = scale * (1 + 1000 * generator.openUnit())
                return generator.next() & 1 == 0 ? magnitude : -magnitude
            }
            values[0] = -0.0
            for far in [Double?.none, scale * 0x1p-40 * (1 + generator.openUnit())] {
                if let far { values[count / 2] = far }
                var one = ExactSum()
                for v in values { one.add(v) }
                let highest = values.map { Int(($0.bitPattern >> 52) & 0x7FF) }.max() ?? 0
                for raise in [0, 1, 7, 20, 40] {
                    guard let split = ExactSum.TwoPassSplit(unitExponent: highest - 1023 - 43 + raise) else { continue }
                    var highs = 0.0
                    var middles = 0.0
                    var restsAreZero = true
                    for start in stride(from: 0, to: count, by: 4) {
                        var group = SIMD4<Double>.zero
                        for lane in 0..<min(4, count - start) { group[lane] = values[start + lane] }
                        #expect(group.max() < split.bound && -group.min() < split.bound)
                        let parts = split.split(group)
                        #expect(parts.high + (parts.middle + parts.rest) == group, "raise \(raise)")
                        highs += parts.high.sum()
                        middles += parts.middle.sum()
                        restsAreZero = restsAreZero && parts.rest == .zero
                    }
                    guard split.secondIsFinal || restsAreZero else {
                        refused += 1
                        continue
                    }
                    var block = ExactSum()
                    block.add(highs: highs, middles: middles)
                    #expect(block.limbs == one.limbs, "scale \(scale), far \(String(describing: far)), raise \(raise)")
                    added += 1
                }
            }
        }
        // Both outcomes happened: the test compared sums, and a far value was refused.
        #expect(added >= 10 && refused >= 1)
    }

    /// A split exists only where two passes are `addRounded`'s (first unit above 2^-96, at
    /// most 2^71), and totals no block within its bound can give mark the sum invalid.
    @Test func splitRangeAndHostileTotals() {
        #expect(ExactSum.TwoPassSplit(unitExponent: -96) == nil)
        #expect(ExactSum.TwoPassSplit(unitExponent: 72) == nil)
        #expect(ExactSum.TwoPassSplit(unitExponent: -95)?.secondIsFinal == true)
        #expect(ExactSum.TwoPassSplit(unitExponent: -51)?.secondIsFinal == false)
        #expect(ExactSum.TwoPassSplit(unitExponent: 71)?.bound == 0x1p115)
        for (highs, middles) in [(Double.nan, 0.0), (0, .infinity), (0x1p124, 0), (0, -0x1p124)] {
            var sum = ExactSum()
            sum.add(highs: highs, middles: middles)
            #expect(sum.isInvalid)
        }
    }
}

extension SplitMix64 {
    /// Doubles of either sign spread over magnitudes 1e-12 ... 1e12.
    mutating func wideDouble() -> Double {
        let magnitude = Double.pow10(Int(next() % 25) - 12) * openUnit()
        return next() & 1 == 0 ? magnitude : -magnitude
    }
}

extension Double {
    static func pow10(_ exponent: Int) -> Double {
        var value = 1.0
        if exponent >= 0 { for _ in 0..<exponent { value *= 10 } } else { for _ in 0..<(-exponent) { value /= 10 } }
        return value
    }
}
