import CLapack

/// The BLAS calls TailGrid makes (OpenBLAS).
public enum BLAS {
    /// C = A B for row-major A (m x k), B (k x n), C (m x n), through cblas_dgemm.
    @inlinable
    public static func multiply(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
        m: Int, n: Int, k: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans,
            blasint(m), blasint(n), blasint(k),
            1.0, a, blasint(k), b, blasint(n), 0.0, c, blasint(n))
    }

    public static func multiply(_ a: DenseMatrix, _ b: DenseMatrix) -> DenseMatrix {
        precondition(a.columns == b.rows, "inner dimensions differ")
        var c = DenseMatrix(rows: a.rows, columns: b.columns)
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    multiply(pa.baseAddress!, pb.baseAddress!, into: pc.baseAddress!, m: a.rows, n: b.columns, k: a.columns)
                }
            }
        }
        return c
    }

    /// The number of threads OpenBLAS may start. TailGrid owns the cores itself (threads
    /// over chunks), so the engine sets 1: BLAS threads inside chunk threads oversubscribe.
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }

    /// The OpenBLAS build in use (`openblas_get_config`: version, options, target).
    public static var buildConfiguration: String {
        openblas_get_config().map { String(cString: $0) } ?? "unknown"
    }

    /// The kernel OpenBLAS chose for this CPU (`openblas_get_corename`, e.g. Haswell, or
    /// what `OPENBLAS_CORETYPE` forced): machines with the same kernel give the same bits.
    public static var coreName: String {
        openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }
}
