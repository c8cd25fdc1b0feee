import CMalloc

/// Memory the process freed but the allocator still holds.
///
/// glibc keeps freed memory in the arena of the thread that freed it, for that thread to
/// reuse. Loading a large book and computing its pilot floors free tens of megabytes on
/// the calling thread (57 MB on the 20,000-account book), which a run's own threads,
/// allocating in their own arenas, cannot reuse: it would sit under the run's peak.
enum FreedMemory {
    /// Runs whose tails take at least this many bytes hand freed memory back first; below,
    /// the walk of the heap (milliseconds in a long-lived process) costs more than it saves.
    static let worthReturningBefore = 64 << 20

    /// Hands the freed pages of every arena back to the system (`malloc_trim`).
    static func returnToSystem() {
        _ = malloc_trim(0)
    }
}
