import Foundation

/// The engine's own threads: `count` threads with 8 MiB stacks (the pricing kernels keep
/// tile-sized scratch on the stack), each running `body`, joined before returning. The
/// local runner's chunk threads and the tail replay's threads.
enum EngineThreads {
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
}
