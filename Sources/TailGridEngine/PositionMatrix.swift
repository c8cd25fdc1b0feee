import TailGridNumerics

/// Quantities of every instrument held by every account (collateral coins included),
/// turning instrument P&L (instruments x scenarios) into account P&L (accounts x
/// scenarios): dense through one BLAS dgemm, or sparse (compressed rows) when accounts
/// hold few of the instruments.
public struct PositionMatrix: Sendable {
    public enum Layout: String, Sendable, Hashable {
        case dense
        case sparse
    }

    /// How to choose the layout; `automatic` takes sparse at or below `sparseDensity`.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        case automatic
        case dense
        case sparse
    }

    /// Fraction of non-zero entries at or below which `automatic` goes sparse.
    public static let sparseDensity = 0.1

    public let accountCount: Int
    public let instrumentCount: Int
    public let layout: Layout
    /// Dense: accounts x instruments, row-major.
    let dense: [Double]
    /// Sparse: compressed rows, columns ascending within a row.
    let rowStarts: [Int]
    let columns: [Int]
    let values: [Double]

    /// `holdings[a]` maps instrument index to quantity for account a.
    public init(holdings: [[Int: Double]], instrumentCount: Int, mode: Mode) {
        let accountCount = holdings.count
        let nonZero = holdings.reduce(0) { $0 + $1.values.filter { $0 != 0 }.count }
        let density = Double(nonZero) / Double(Swift.max(1, accountCount * instrumentCount))
        let layout: Layout = switch mode {
        case .dense: .dense
        case .sparse: .sparse
        case .automatic: density <= Self.sparseDensity ? .sparse : .dense
        }
        self.accountCount = accountCount
        self.instrumentCount = instrumentCount
        self.layout = layout
        switch layout {
        case .dense:
            var dense = [Double](repeating: 0, count: accountCount * instrumentCount)
            for (account, row) in holdings.enumerated() {
                for (instrument, quantity) in row { dense[account * instrumentCount + instrument] = quantity }
            }
            self.dense = dense
            self.rowStarts = []
            self.columns = []
            self.values = []
        case .sparse:
            var rowStarts = [0]
            var columns: [Int] = []
            var values: [Double] = []
            for row in holdings {
                for (instrument, quantity) in row.sorted(by: { $0.key < $1.key }) where quantity != 0 {
                    columns.append(instrument)
                    values.append(quantity)
                }
                rowStarts.append(columns.count)
            }
            self.dense = []
            self.rowStarts = rowStarts
            self.columns = columns
            self.values = values
        }
    }

    /// accountProfit (accounts x width) = Q (accounts x instruments) x instrumentProfit
    /// (instruments x width).
    public func accumulate(instrumentProfit: UnsafePointer<Double>, into accountProfit: UnsafeMutablePointer<Double>, width: Int) {
        guard instrumentCount > 0 else {
            accountProfit.update(repeating: 0, count: accountCount * width)
            return
        }
        switch layout {
        case .dense:
            dense.withUnsafeBufferPointer { q in
                BLAS.multiply(q.baseAddress!, instrumentProfit, into: accountProfit,
                              m: accountCount, n: width, k: instrumentCount)
            }
        case .sparse:
            for account in 0..<accountCount {
                accumulate(account: account, instrumentProfit: instrumentProfit, into: accountProfit + account * width,
                           width: width)
            }
        }
    }

    /// One account's row of `accumulate` (sparse layout): the same sums in the same
    /// order, so the same bits, into a row the caller keeps in cache.
    @inline(__always)
    func accumulate(account: Int, instrumentProfit: UnsafePointer<Double>, into target: UnsafeMutablePointer<Double>,
                    width: Int) {
        target.update(repeating: 0, count: width)
        for entry in rowStarts[account]..<rowStarts[account + 1] {
            let source = instrumentProfit + columns[entry] * width
            let quantity = values[entry]
            for column in 0..<width { target[column] += quantity * source[column] }
        }
    }
}
