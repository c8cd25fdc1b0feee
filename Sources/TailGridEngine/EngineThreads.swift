import Foundation
import Synchronization

/// The engine's own threads: `count` threads with 8 MiB stacks (the pricing kernels keep
/// tile-sized scratch on the stack), each running `body`, joined before returning. The
/// local runner's chunk threads and the tail replay's threads; and work that must not
/// wait on Dispatch's pool, whose threads a coordinator's handlers may all hold
/// (`DispatchQueue.concurrentPerform` then runs every iteration on the caller's thread).
public enum EngineThreads {
    static func run(count: Int, _ body: @escaping @Sendable () -> Void) {
        let group = DispatchGroup()
        for _ in 0..<Swift.max(1, count) {
            group.enter()
            let thread = Thread {
                body()
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
    }

    /// `(0..<count).map(transform)` on up to `threads` of these threads, each taking the
    /// next index (the instrument tiles', the replay's and the local runner's way of
    /// sharing work); the results in index order. With one thread or one index it runs on
    /// the caller's thread.
    public static func map<Result: Sendable>(_ count: Int, threads: Int, _ transform: @escaping @Sendable (Int) -> Result) -> [Result] {
        let threads = Swift.max(1, Swift.min(threads, count))
        guard threads > 1 else { return (0..<count).map(transform) }
        let results = UnsafeMutableBufferPointer<Result?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        // Each index is written by the one thread that took it.
        nonisolated(unsafe) let slots = results
        let next = Atomic<Int>(0)
        run(count: threads) {
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < count else { return }
                slots[index] = transform(index)
            }
        }
        return results.compactMap { $0 }
    }

    /// `(0..<count).map(transform)` on up to `threads` threads, which take the indices
    /// `blockSize` at a time (work too small per index to pay for taking each alone: the
    /// ranking of tails, the pilot's floors, the estimates); the results in index order.
    static func map<Result: Sendable>(_ count: Int, threads: Int, inBlocksOf blockSize: Int,
                                      _ transform: @escaping @Sendable (Int) -> Result) -> [Result] {
        let size = Swift.max(1, blockSize)
        let blocks = (count + size - 1) / size
        return Array(map(blocks, threads: threads) { block in
            (block * size..<Swift.min((block + 1) * size, count)).map(transform)
        }.joined())
    }
}
