import Testing
import TailGridEngine
import TailGridNumerics

/// Both layouts against the plainest loop of their contract, bit for bit: per column
/// 0 + q1 x1 + q2 x2 + ... in the row's column order, never fused. The sparse rows are
/// built 32 columns at a time in registers; the dense layout sums 4 accounts x 8 columns
/// in registers over every instrument, held or not, in panels of accounts (with 9,000
/// instruments a panel is 4 accounts, so the panel edges and the single-account rest are
/// crossed many times).
@Suite("Position matrix")
struct PositionMatrixTests {
    @Test(arguments: [(256, 57), (64, 57), (100, 57), (33, 57), (32, 57), (31, 57), (1, 57), (7, 57), (256, 9_000), (13, 9_000)])
    func bothLayoutsAreThePlainSums(width: Int, instruments: Int) {
        var generator = SplitMix64(seed: UInt64(width) &* 7_919 &+ UInt64(instruments))
        // Account 0 holds nothing; account 1 one instrument; account 2 only zeros of both
        // signs (its sum is +0 either way); account 3 every instrument; the rest up to 20,
        // quantities of every sign and scale. 43 accounts: 4 do not divide them.
        var holdings: [[Int: Double]] = [[:], [Int(generator.next() % UInt64(instruments)): -3.5], [0: -0.0, 5: 0.0]]
        holdings.append(Dictionary(uniqueKeysWithValues: (0..<instruments).map { ($0, (generator.openUnit() - 0.5) * 100) }))
        for _ in 0..<39 {
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
                let sparseSum = fromSparse[account * width + column]
                #expect(sparseSum.bitPattern == plain.bitPattern, "sparse: account \(account), column \(column)")
                let denseSum = fromDense[account * width + column]
                #expect(denseSum.bitPattern == plain.bitPattern, "dense: account \(account), column \(column)")
            }
        }
    }
}
