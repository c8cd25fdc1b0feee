import CLapack

/// A factor B of a correlation matrix C with B B^T = C, through which independent normal
/// draws z become correlated draws B z.
///
/// B is the Cholesky factor from LAPACKE_dpotrf when C is positive definite. A positive
/// semi-definite but singular C (perfect correlation, a repaired matrix on the boundary)
/// has no such factor, so the pivoted Cholesky LAPACKE_dpstrf gives P L with the columns
/// past the numerical rank set to zero.
public struct CorrelationFactor: Sendable, Hashable {
    public let factor: DenseMatrix
    /// The numerical rank of C.
    public let rank: Int

    public init(_ correlation: CorrelationMatrix) throws(NumericsError) {
        let n = correlation.dimension
        var a = correlation.matrix.storage
        let info = a.withUnsafeMutableBufferPointer { pa in
            LAPACKE_dpotrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), pa.baseAddress, Int32(n))
        }
        if info == 0 {
            var lower = DenseMatrix(rows: n, columns: n, storage: a)
            // dpotrf leaves the upper triangle as it was.
            for i in 0..<n {
                for j in (i + 1)..<n where j < n { lower[i, j] = 0 }
            }
            self.factor = lower
            self.rank = n
            return
        }
        guard info > 0 else {
            throw NumericsError(.lapackFailure, "LAPACKE_dpotrf failed with info \(info)")
        }
        a = correlation.matrix.storage
        var pivots = [Int32](repeating: 0, count: n)
        var rank: Int32 = 0
        let pivotedInfo = a.withUnsafeMutableBufferPointer { pa in
            pivots.withUnsafeMutableBufferPointer { pp in
                LAPACKE_dpstrf(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), pa.baseAddress,
                               Int32(n), pp.baseAddress, &rank, -1)
            }
        }
        guard pivotedInfo >= 0 else {
            throw NumericsError(.lapackFailure, "LAPACKE_dpstrf failed with info \(pivotedInfo)")
        }
        let lower = DenseMatrix(rows: n, columns: n, storage: a)
        var factor = DenseMatrix(rows: n, columns: n)
        for i in 0..<n {
            let row = Int(pivots[i]) - 1
            for j in 0..<min(i + 1, Int(rank)) { factor[row, j] = lower[i, j] }
        }
        self.factor = factor
        self.rank = Int(rank)
    }
}
