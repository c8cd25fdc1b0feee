/// The scratch rows of the vectorised row kernels (`NormalDistribution.quantiles`,
/// `FastMath.normalCDF`, `StudentTMixing.scales`), allocated once by their caller's
/// workspace so that a call allocates nothing. Without it each call takes its rows from
/// `withUnsafeTemporaryAllocation`, which serves anything over 1 KiB from the heap
/// (posix_memalign and free, 4 to 14 KiB a call, twice per option and tile): 2.5% of an
/// in-process run's CPU on the 10M small job, 5% of a worker's.
///
/// Each kernel has rows of its own, so one kernel may call another (the mixing calls the
/// quantile) on the same scratch. Not thread-safe: its owner uses it from one thread at
/// a time, and frees it with `deallocate()`.
public struct RowScratch {
    /// Values a kernel takes in one row: a tile of scenarios.
    public static let rowSize = 256

    /// `NormalDistribution.quantiles`: a row of packed tail values and their places.
    @usableFromInline let quantileTails: UnsafeMutablePointer<Double>
    @usableFromInline let quantilePlaces: UnsafeMutablePointer<Int>
    /// `FastMath.normalCDF`: `PhiRow`'s packed values and places.
    @usableFromInline let phiValues: UnsafeMutablePointer<Double>
    @usableFromInline let phiPlaces: UnsafeMutablePointer<Int>
    /// `StudentTMixing.scales`: two rows (the normals and the second uniforms).
    @usableFromInline let mixingRows: UnsafeMutablePointer<Double>
    /// A row for the caller of `StudentTMixing.scales` to take the scales into.
    public let mixingScales: UnsafeMutablePointer<Double>

    /// The bytes of each part, in order, each a multiple of a cache line.
    static let partBytes = [rowSize * 8, rowSize * 8, 3 * PhiRow.capacity * 8, 4 * PhiRow.size * 8, 2 * rowSize * 8, rowSize * 8]

    init(base: UnsafeMutableRawPointer) {
        var offsets: [Int] = []
        var offset = 0
        for bytes in Self.partBytes {
            offsets.append(offset)
            offset += bytes
        }
        quantileTails = (base + offsets[0]).bindMemory(to: Double.self, capacity: Self.rowSize)
        quantilePlaces = (base + offsets[1]).bindMemory(to: Int.self, capacity: Self.rowSize)
        phiValues = (base + offsets[2]).bindMemory(to: Double.self, capacity: 3 * PhiRow.capacity)
        phiPlaces = (base + offsets[3]).bindMemory(to: Int.self, capacity: 4 * PhiRow.size)
        mixingRows = (base + offsets[4]).bindMemory(to: Double.self, capacity: 2 * Self.rowSize)
        mixingScales = (base + offsets[5]).bindMemory(to: Double.self, capacity: Self.rowSize)
    }

    /// Fresh scratch, cache-line aligned; free it with `deallocate()`.
    public static func allocate() -> RowScratch {
        RowScratch(base: UnsafeMutableRawPointer.allocate(byteCount: partBytes.reduce(0, +), alignment: AlignedRows.alignment))
    }

    /// Frees scratch from `allocate()`.
    public func deallocate() {
        UnsafeMutableRawPointer(quantileTails).deallocate()
    }

    /// Calls `body` with scratch that lives for the call: for the kernels' one-off callers.
    @inlinable
    public static func withTemporary<Result>(_ body: (RowScratch) throws -> Result) rethrows -> Result {
        let scratch = allocate()
        defer { scratch.deallocate() }
        return try body(scratch)
    }
}
