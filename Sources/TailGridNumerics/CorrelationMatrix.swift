/// A validated correlation matrix: square, symmetric, unit diagonal, entries in [-1, 1],
/// positive semi-definite.
public struct CorrelationMatrix: Sendable, Hashable {
    public let matrix: DenseMatrix

    public var dimension: Int { matrix.rows }

    /// Tolerances for what a typed matrix may be off by.
    public static let symmetryTolerance = 1e-10
    public static let diagonalTolerance = 1e-12
    /// The smallest eigenvalue may be this far below zero (times the dimension).
    public static let eigenvalueTolerance = 1e-10

    /// Validates `matrix`; the error says which rule it breaks and where (0-based indices).
    public init(validating matrix: DenseMatrix) throws(NumericsError) {
        try Self.checkStructure(matrix)
        let smallest = try SymmetricEigen(matrix).values.first ?? 0
        guard smallest >= -Self.eigenvalueTolerance * Double(Swift.max(1, matrix.rows)) else {
            throw NumericsError(
                .notPositiveSemidefinite,
                "not positive semi-definite: smallest eigenvalue is \(smallest)")
        }
        self.matrix = matrix
    }

    /// Wraps a matrix known to be a correlation matrix (the output of a repair).
    init(trusted matrix: DenseMatrix) {
        self.matrix = matrix
    }

    /// Everything but definiteness: shape, symmetry, unit diagonal, range.
    public static func checkStructure(_ matrix: DenseMatrix) throws(NumericsError) {
        guard matrix.rows == matrix.columns else {
            throw NumericsError(.notSquare, "not square: \(matrix.rows) rows, \(matrix.columns) columns")
        }
        let n = matrix.rows
        for i in 0..<n {
            guard matrix[i, i].isFinite, abs(matrix[i, i] - 1) <= diagonalTolerance else {
                throw NumericsError(.diagonalNotOne, "diagonal entry [\(i)][\(i)] is \(matrix[i, i]), expected 1")
            }
        }
        for i in 0..<n {
            for j in 0..<n where i != j {
                let value = matrix[i, j]
                guard value.isFinite, value >= -1, value <= 1 else {
                    throw NumericsError(.entryOutOfRange, "entry [\(i)][\(j)] is \(value), expected a value in [-1, 1]")
                }
                if j > i {
                    guard abs(value - matrix[j, i]) <= symmetryTolerance else {
                        throw NumericsError(
                            .notSymmetric,
                            "not symmetric: entry [\(i)][\(j)] is \(value) but [\(j)][\(i)] is \(matrix[j, i])")
                    }
                }
            }
        }
    }
}
