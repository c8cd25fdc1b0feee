import CLapack

/// The eigen-decomposition of a symmetric matrix through LAPACKE_dsyevd.
public struct SymmetricEigen: Sendable {
    /// Eigenvalues in ascending order.
    public let values: [Double]
    /// Eigenvectors as columns: `vectors[i, j]` is component i of eigenvector j.
    public let vectors: DenseMatrix

    public init(_ matrix: DenseMatrix) throws(NumericsError) {
        precondition(matrix.rows == matrix.columns)
        let n = matrix.rows
        var a = matrix.storage
        var w = [Double](repeating: 0, count: n)
        let info = a.withUnsafeMutableBufferPointer { pa in
            w.withUnsafeMutableBufferPointer { pw in
                LAPACKE_dsyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")),
                               Int32(n), pa.baseAddress, Int32(n), pw.baseAddress)
            }
        }
        guard info == 0 else {
            throw NumericsError(.lapackFailure, "LAPACKE_dsyevd failed with info \(info)")
        }
        self.values = w
        self.vectors = DenseMatrix(rows: n, columns: n, storage: a)
    }

    /// V diag(f(lambda)) V^T.
    public func reassembled(mapping transform: (Double) -> Double) -> DenseMatrix {
        let n = values.count
        var scaled = vectors
        for j in 0..<n {
            let factor = transform(values[j])
            for i in 0..<n { scaled[i, j] *= factor }
        }
        return BLAS.multiply(scaled, vectors.transposed)
    }
}
