import Synchronization

/// Admission for work that takes a thread of its own (`tailgrid serve`'s what-ifs): at most
/// `running` computations at once, at most `waiting` more queued in arrival order, and
/// any request past that refused at once, so a flood of requests (many connections, each
/// with its streams) costs neither a thread nor memory per request.
public final class ComputeGate: Sendable {
    /// Why a request was not admitted.
    public enum Refusal: Error, Equatable {
        /// `running` computations run and `waiting` wait.
        case busy(waiting: Int)
        /// The request was cancelled while it waited.
        case cancelled
    }

    struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    /// The gate's state: computations running, requests waiting (oldest first).
    struct State {
        var running = 0
        var waiters: [Waiter] = []
        var head = 0
        var nextID: UInt64 = 0

        var waitingCount: Int { waiters.count - head }

        mutating func popFirst() -> Waiter? {
            guard head < waiters.count else { return nil }
            let waiter = waiters[head]
            head += 1
            if head > 64 && head * 2 > waiters.count {
                waiters.removeFirst(head)
                head = 0
            }
            return waiter
        }

        mutating func remove(_ id: UInt64) -> Waiter? {
            guard let index = waiters[head...].firstIndex(where: { $0.id == id }) else { return nil }
            return waiters.remove(at: index)
        }
    }

    public let maxRunning: Int
    public let maxWaiting: Int
    private let state = Mutex(State())

    /// A gate for `running` (at least 1) computations at once and `waiting` (at least 0) queued.
    public init(running: Int, waiting: Int) {
        maxRunning = max(1, running)
        maxWaiting = max(0, waiting)
    }

    /// Computations running and requests waiting now.
    public var load: (running: Int, waiting: Int) {
        state.withLock { ($0.running, $0.waitingCount) }
    }

    /// Runs `work` once admitted; throws `Refusal` when the queue is full or the task is
    /// cancelled while it waits.
    public func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        try await enter()
        defer { leave() }
        return try await work()
    }

    func enter() async throws {
        enum Admission { case now, wait(UInt64), refuse(Int) }
        let admission: Admission = state.withLock { state in
            if state.running < maxRunning {
                state.running += 1
                return .now
            }
            guard state.waitingCount < maxWaiting else { return .refuse(state.waitingCount) }
            defer { state.nextID &+= 1 }
            return .wait(state.nextID)
        }
        switch admission {
        case .now: return
        case .refuse(let waiting): throw Refusal.busy(waiting: waiting)
        case .wait(let id):
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let cancelled = state.withLock { state -> Bool in
                        if Task.isCancelled { return true }
                        state.waiters.append(Waiter(id: id, continuation: continuation))
                        return false
                    }
                    if cancelled { continuation.resume(throwing: Refusal.cancelled) }
                }
            } onCancel: {
                // A waiter handed a slot already owns it; only one still queued is removed.
                state.withLock { $0.remove(id) }?.continuation.resume(throwing: Refusal.cancelled)
            }
        }
    }

    /// Hands the slot to the oldest waiter, or frees it.
    func leave() {
        let next: Waiter? = state.withLock { state in
            if let waiter = state.popFirst() { return waiter }
            state.running -= 1
            return nil
        }
        next?.continuation.resume()
    }
}
