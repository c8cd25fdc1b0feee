import CPrefetch

/// Hints that bring memory into the caches before it is read: a loss row's state (one of
/// 20,000 on a large book, rarely in cache) is asked for a couple of rows ahead, so that
/// it arrives while the rows before it are added instead of stalling them.
enum CacheHint {
    /// The cache lines of the value at `pointer`.
    @inline(__always)
    static func prefetch<Value>(_ pointer: UnsafePointer<Value>) {
        let start = UnsafeRawPointer(pointer)
        var offset = 0
        while offset < MemoryLayout<Value>.size {
            tailgrid_prefetch(start + offset)
            offset &+= 64
        }
    }

    /// The cache line holding `address`.
    @inline(__always)
    static func prefetch(line address: UnsafeRawPointer) {
        tailgrid_prefetch(address)
    }
}
