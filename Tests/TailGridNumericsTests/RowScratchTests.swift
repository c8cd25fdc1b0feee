import Testing
import TailGridNumerics

/// One `RowScratch` serves every row kernel of a thread, call after call, as a tile
/// workspace uses it: what one kernel leaves in it, and the quantile the mixing calls
/// inside its own rows, must change no other kernel's bits.
@Suite struct RowScratchTests {
    /// 300 calls in a seeded random order, on one scratch, of Phi and the quantile (rows of
    /// 1 to 600 values, so full rows, partial rows and remainders of 1 to 7) and the
    /// Student-t scales (counts of 1 to 300 at random first scenarios): each the bits of
    /// its one-value form.
    @Test func kernelsSharingOneScratchGiveTheirOneByOneBits() {
        let scratch = RowScratch.allocate()
        defer { scratch.deallocate() }
        let mixing = StudentTMixing(degreesOfFreedom: 4)
        let generator = Philox4x32(seed: 41)
        var random = SplitMix64(seed: 17)
        func uniform() -> Double { (Double(random.next() >> 11) + 0.5) * 0x1p-53 }
        var calls = [0, 0, 0]
        for _ in 0..<300 {
            let kernel = Int(random.next() % 3)
            calls[kernel] += 1
            switch kernel {
            case 0:
                var row = (0..<Int(1 + random.next() % 600)).map { _ in 12 * uniform() - 6 }
                let inputs = row
                row.withUnsafeMutableBufferPointer { FastMath.normalCDF($0.baseAddress!, count: $0.count, scratch: scratch) }
                #expect(zip(row, inputs).allSatisfy { $0.bitPattern == FastMath.normalCDF($1).bitPattern })
            case 1:
                var row = (0..<Int(1 + random.next() % 600)).map { _ in uniform() }
                let inputs = row
                row.withUnsafeMutableBufferPointer {
                    NormalDistribution.quantiles($0.baseAddress!, count: $0.count, scratch: scratch)
                }
                #expect(zip(row, inputs).allSatisfy { $0.bitPattern == NormalDistribution.quantile($1).bitPattern })
            default:
                let count = Int(1 + random.next() % 300)
                let first = random.next() >> 20
                var scales = [Double](repeating: .nan, count: count)
                scales.withUnsafeMutableBufferPointer {
                    mixing.scales(generator: generator, firstScenario: first, count: count, step: 1, into: $0.baseAddress!,
                                  scratch: scratch)
                }
                #expect((0..<count).allSatisfy {
                    scales[$0].bitPattern == mixing.scale(generator: generator, scenario: first + UInt64($0), step: 1).bitPattern
                })
            }
        }
        #expect(calls.allSatisfy { $0 > 80 })
    }
}
