import Testing
import TailGridEngine
import TailGridNumerics

/// The sparse aggregation (rows built 32 columns at a time in registers) against the
/// plainest loop of its contract, bit for bit: per column 0 + q1 x1 + q2 x2 + ... in the
/// row's column order, never fused. And the dense layout (one dgemm, whose rounding
/// order is OpenBLAS's) within a relative 1e-12 of it.
@Suite("Position matrix")
struct PositionMatrixTests {
    @Test(arguments: [256, 64, 100, 33, 32, 31, 1])
    func sparseRowsAreThePlainSums(width: Int) {
        let instruments = 57
        var generator = SplitMix64(seed: UInt64(width) &* 7_919)
        // Account 0 holds nothing; account 1 one instrument; the rest up to 20, quantities
        // of every sign and scale, including -0 (kept: it is not zero in a sparse row's sum).
        var holdings: [[Int: Double]] = [[:], [Int(generator.next() % 57): -3.5]]
        for _ in 0..<40 {
            var row: [Int: Double] = [:]
            for _ in 0..<(1 + Int(generator.next() % 20)) {
                let scale = [1e-6, 1, 250, 1e9][Int(generator.next() % 4)]
                row[Int(generator.next() % UInt64(instruments))] = (generator.openUnit() - 0.5) * scale
            }
            holdings.append(row)
        }
        var profits = (0..<instruments * width).map { _ in (generator.openUnit() - 0.45) * 1e4 }
        profits[3] = -0.0
        profits[width + 1] = 1e200
        let sparse = PositionMatrix(holdings: holdings, instrumentCount: instruments, mode: .sparse)
        let dense = PositionMatrix(holdings: holdings, instrumentCount: instruments, mode: .dense)
        #expect(sparse.layout == .sparse && dense.layout == .dense)
        var fromSparse = [Double](repeating: .nan, count: holdings.count * width)
        var fromDense = fromSparse
        profits.withUnsafeBufferPointer { profits in
            fromSparse.withUnsafeMutableBufferPointer {
                sparse.accumulate(instrumentProfit: profits.baseAddress!, into: $0.baseAddress!, width: width)
            }
            fromDense.withUnsafeMutableBufferPointer {
                dense.accumulate(instrumentProfit: profits.baseAddress!, into: $0.baseAddress!, width: width)
            }
        }
        for (account, row) in holdings.enumerated() {
            let entries = row.sorted { $0.key < $1.key }.filter { $0.value != 0 }
            for column in 0..<width {
                var plain = 0.0
                for (instrument, quantity) in entries { plain = plain + quantity * profits[instrument * width + column] }
                let computed = fromSparse[account * width + column]
                #expect(computed.bitPattern == plain.bitPattern, "account \(account), column \(column)")
                let viaBLAS = fromDense[account * width + column]
                let scale = entries.reduce(0.0) { $0 + abs($1.value * profits[$1.key * width + column]) }
                #expect(abs(viaBLAS - plain) <= 1e-12 * scale, "account \(account), column \(column)")
            }
        }
    }
}
