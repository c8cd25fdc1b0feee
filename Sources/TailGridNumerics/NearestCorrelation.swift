/// The nearest correlation matrix in the Frobenius norm: Higham, "Computing the nearest
/// correlation matrix: a problem from finance", IMA J. Numer. Anal. 22 (2002).
///
/// Alternating projections with Dykstra's correction between the positive semi-definite
/// cone (eigenvalues clipped at zero, through LAPACKE_dsyevd) and the unit-diagonal
/// matrices. The last positive semi-definite iterate is rescaled to a unit diagonal, so
/// the result is a correlation matrix exactly, not only to the tolerance.
public struct NearestCorrelation: Sendable {
    public let repaired: CorrelationMatrix
    /// ||input - repaired|| in the Frobenius norm.
    public let distance: Double
    public let iterations: Int

    /// Repairs a symmetric matrix with unit diagonal and entries in [-1, 1] that is not
    /// positive semi-definite; a correlation matrix comes back unchanged at distance 0.
    public init(repairing input: DenseMatrix, tolerance: Double = 1e-12, maxIterations: Int = 10_000) throws(NumericsError) {
        try CorrelationMatrix.checkStructure(input)
        if let valid = try? CorrelationMatrix(validating: input) {
            self.repaired = valid
            self.distance = 0
            self.iterations = 0
            return
        }
        let n = input.rows
        var y = input
        var correction = DenseMatrix(rows: n, columns: n)
        var x = input
        var iteration = 0
        while true {
            iteration += 1
            var r = y
            for index in r.storage.indices { r.storage[index] -= correction.storage[index] }
            x = try SymmetricEigen(r).reassembled { Swift.max($0, 0) }
            for index in x.storage.indices { correction.storage[index] = x.storage[index] - r.storage[index] }
            let previous = y
            y = x
            for i in 0..<n { y[i, i] = 1 }
            let change = y.frobeniusDistance(to: previous) / Swift.max(1, y.frobeniusDistance(to: DenseMatrix(rows: n, columns: n)))
            if change <= tolerance { break }
            guard iteration < maxIterations else {
                throw NumericsError(.notConverged, "nearest correlation matrix did not converge in \(maxIterations) iterations")
            }
        }
        // x is positive semi-definite; scale it to a unit diagonal (D^-1/2 x D^-1/2).
        var result = x
        let scale = (0..<n).map { 1 / Swift.max(x[$0, $0], .leastNormalMagnitude).squareRoot() }
        for i in 0..<n {
            for j in 0..<n { result[i, j] = Swift.min(1, Swift.max(-1, x[i, j] * scale[i] * scale[j])) }
            result[i, i] = 1
        }
        for i in 0..<n {
            for j in (i + 1)..<n where j < n {
                let mean = 0.5 * (result[i, j] + result[j, i])
                result[i, j] = mean
                result[j, i] = mean
            }
        }
        self.repaired = CorrelationMatrix(trusted: result)
        self.distance = input.frobeniusDistance(to: result)
        self.iterations = iteration
    }
}
