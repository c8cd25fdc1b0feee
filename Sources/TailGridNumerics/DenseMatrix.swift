/// A row-major matrix of doubles: the layout every BLAS and LAPACKE call here uses.
public struct DenseMatrix: Sendable, Hashable {
    public let rows: Int
    public let columns: Int
    public var storage: [Double]

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: value, count: rows * columns)
    }

    public init(rows: Int, columns: Int, storage: [Double]) {
        precondition(storage.count == rows * columns, "storage does not match the shape")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// A square matrix from its rows.
    public init(_ rowArrays: [[Double]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "rows differ in length")
        self.init(rows: rowArrays.count, columns: columns, storage: rowArrays.flatMap { $0 })
    }

    public static func identity(_ n: Int) -> DenseMatrix {
        var matrix = DenseMatrix(rows: n, columns: n)
        for i in 0..<n { matrix[i, i] = 1 }
        return matrix
    }

    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    public var transposed: DenseMatrix {
        var result = DenseMatrix(rows: columns, columns: rows)
        for i in 0..<rows {
            for j in 0..<columns { result[j, i] = self[i, j] }
        }
        return result
    }

    /// The Frobenius norm of `self - other`.
    public func frobeniusDistance(to other: DenseMatrix) -> Double {
        precondition(rows == other.rows && columns == other.columns)
        var sum = 0.0
        for index in storage.indices {
            let d = storage[index] - other.storage[index]
            sum += d * d
        }
        return sum.squareRoot()
    }
}
