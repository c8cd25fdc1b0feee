import Testing
import TailGridNumerics

@Suite("Correlation: validation, Cholesky, nearest correlation")
struct CorrelationTests {
    @Test(arguments: [
        ([[1, 0.5], [0.4, 1]], NumericsError.Code.notSymmetric),
        ([[1, 0.5], [0.5, 0.9]], .diagonalNotOne),
        ([[1, 1.5], [1.5, 1]], .entryOutOfRange),
        ([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]], .notPositiveSemidefinite),
    ] as [([[Double]], NumericsError.Code)])
    func invalidMatricesAreRejectedWithTheReason(rows: [[Double]], code: NumericsError.Code) {
        #expect(throws: NumericsError.self) { try CorrelationMatrix(validating: DenseMatrix(rows)) }
        do {
            _ = try CorrelationMatrix(validating: DenseMatrix(rows))
        } catch {
            #expect(error.code == code, "\(error.message)")
        }
    }

    /// L L^T = C on seeded random correlation matrices (built as normalised Gram matrices).
    @Test(arguments: [2, 5, 12, 40])
    func choleskyReproducesTheMatrix(dimension: Int) throws {
        var generator = SplitMix64(seed: UInt64(dimension))
        var vectors = DenseMatrix(rows: dimension, columns: dimension + 3)
        for index in vectors.storage.indices { vectors.storage[index] = generator.openUnit() - 0.5 }
        var gram = BLAS.multiply(vectors, vectors.transposed)
        let scale = (0..<dimension).map { 1 / gram[$0, $0].squareRoot() }
        for i in 0..<dimension { for j in 0..<dimension { gram[i, j] *= scale[i] * scale[j] } }
        for i in 0..<dimension { gram[i, i] = 1 }
        for i in 0..<dimension { for j in 0..<i { gram[i, j] = gram[j, i] } }
        let correlation = try CorrelationMatrix(validating: gram)
        let factor = try CorrelationFactor(correlation)
        #expect(factor.rank == dimension)
        for i in 0..<dimension { for j in (i + 1)..<(dimension + 1) where j < dimension { #expect(factor.factor[i, j] == 0) } }
        let product = BLAS.multiply(factor.factor, factor.factor.transposed)
        #expect(product.frobeniusDistance(to: gram) < 1e-12 * Double(dimension))
    }

    /// Perfect correlation is positive semi-definite but singular: dpotrf fails, the
    /// pivoted factor still reproduces it.
    @Test func singularMatrixGetsAPivotedFactor() throws {
        let rows: [[Double]] = [[1, 1, 0.3], [1, 1, 0.3], [0.3, 0.3, 1]]
        let factor = try CorrelationFactor(try CorrelationMatrix(validating: DenseMatrix(rows)))
        #expect(factor.rank == 2)
        let product = BLAS.multiply(factor.factor, factor.factor.transposed)
        #expect(product.frobeniusDistance(to: DenseMatrix(rows)) < 1e-12)
    }

    /// Higham (2002), section 4: the nearest correlation matrix to
    /// [[1, 1, 0], [1, 1, 1], [0, 1, 1]] has off-diagonals 0.7607 and 0.1573 (4 decimals).
    @Test func highamsExample() throws {
        let input = DenseMatrix([[1, 1, 0], [1, 1, 1], [0, 1, 1]])
        let nearest = try NearestCorrelation(repairing: input)
        let x = nearest.repaired.matrix
        #expect(abs(x[0, 1] - 0.7607) < 1e-4)
        #expect(abs(x[1, 2] - 0.7607) < 1e-4)
        #expect(abs(x[0, 2] - 0.1573) < 1e-4)
        #expect(abs(nearest.distance - input.frobeniusDistance(to: x)) < 1e-15)
        #expect(nearest.distance > 0)
        // The result is a valid correlation matrix that can be factored.
        _ = try CorrelationFactor(try CorrelationMatrix(validating: x))
    }

    @Test func validMatrixIsLeftAlone() throws {
        let input = DenseMatrix([[1, 0.3], [0.3, 1]])
        let nearest = try NearestCorrelation(repairing: input)
        #expect(nearest.distance == 0)
        #expect(nearest.repaired.matrix == input)
    }
}
