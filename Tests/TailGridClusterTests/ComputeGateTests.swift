import Foundation
import GRPCCore
import GRPCInProcessTransport
import Synchronization
import Testing
import TailGridCluster
import TailGridEngine
import TailGridJob
import TailGridProtocol

/// `tailgrid serve`'s admission (`ComputeGate`): what-ifs run at most `running` at once,
/// wait at most `waiting` deep in arrival order, and past that are refused at once; a
/// waiter cancelled gives its place back. A full server answers UNAVAILABLE (busy) and
/// serves again once a slot frees.
@Suite struct ComputeGateTests {
    /// A slot held until `release`: the gate's work is `for await` on a stream.
    struct Holder {
        let task: Task<Void, any Error>
        let release: @Sendable () -> Void

        init(_ gate: ComputeGate) {
            let (stream, continuation) = AsyncStream<Void>.makeStream()
            task = Task { try await gate.run { for await _ in stream { break } } }
            release = { continuation.finish() }
        }
    }

    /// The order work ran in.
    final class Order: Sendable {
        let names = Mutex<[String]>([])
    }

    /// Waits (at most 10 s) until the gate's load is `expected`.
    static func reach(_ gate: ComputeGate, _ expected: (running: Int, waiting: Int)) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while gate.load != expected {
            guard ContinuousClock.now < deadline else {
                throw TestFailure("the gate's load stayed \(gate.load), not \(expected)")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    @Test func admitsInOrderRefusesPastTheQueueAndForgetsACancelledWaiter() async throws {
        let gate = ComputeGate(running: 1, waiting: 2)
        let order = Order()
        let holder = Holder(gate)
        try await Self.reach(gate, (1, 0))
        let first = Task { try await gate.run { order.names.withLock { $0.append("first") } } }
        try await Self.reach(gate, (1, 1))
        let cancelled = Task { try await gate.run { order.names.withLock { $0.append("cancelled") } } }
        try await Self.reach(gate, (1, 2))
        // The queue is full: refused at once, saying how many wait.
        await #expect(throws: ComputeGate.Refusal.busy(waiting: 2)) { try await gate.run { order.names.withLock { $0.append("refused") } } }
        cancelled.cancel()
        await #expect(throws: ComputeGate.Refusal.cancelled) { try await cancelled.value }
        try await Self.reach(gate, (1, 1))
        let last = Task { try await gate.run { order.names.withLock { $0.append("last") } } }
        try await Self.reach(gate, (1, 2))
        holder.release()
        try await holder.task.value
        try await first.value
        try await last.value
        #expect(order.names.withLock { $0 } == ["first", "last"])
        #expect(gate.load == (0, 0))
    }

    @Test func aTaskCancelledBeforeItQueuesIsRefused() async throws {
        let gate = ComputeGate(running: 1, waiting: 4)
        let holder = Holder(gate)
        try await Self.reach(gate, (1, 0))
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await gate.run { 1 }
        }
        await #expect(throws: ComputeGate.Refusal.cancelled) { try await early.value }
        #expect(gate.load == (1, 0))
        holder.release()
        try await holder.task.value
        #expect(try await gate.run { 7 } == 7)
        #expect(gate.load == (0, 0))
    }

    /// The what-if service behind a gate of one slot and no queue: with the slot held a
    /// request is answered UNAVAILABLE naming the load; once it frees the request is served.
    @Test func aFullServerAnswersBusyAndThenServes() async throws {
        let loaded = try ClusterJobs.quickstart
        let book = ServedBook(plan: try EnginePlan(loaded.engineJob), threads: 2)
        let gate = ComputeGate(running: 1, waiting: 0)
        let transport = InProcessTransport()
        let server = GRPCServer(transport: transport.server, services: BookServer.services(book: .held(book, jobSHA256: loaded.inputSHA256), file: "quickstart.yaml", gate: gate))
        let serving = Task { try await server.serve() }
        defer { serving.cancel() }
        let request = Tailgrid_V1_WhatIfRequest.with {
            $0.protocolVersion = .current
            $0.account = "alice"
            $0.trades = ["BTC-PERPETUAL:-20000"]
        }
        try await withGRPCClient(transport: transport.client) { client in
            let whatIfs = Tailgrid_V1_WhatIfService.Client(wrapping: client)
            let holder = Holder(gate)
            try await Self.reach(gate, (1, 0))
            do {
                _ = try await whatIfs.whatIf(request)
                Issue.record("a what-if was answered with the only slot held")
            } catch let error as RPCError {
                #expect(error.code == .unavailable && error.message.contains("busy: 1 what-ifs computing and 0 waiting"), "\(error)")
            }
            holder.release()
            try await holder.task.value
            let answer = try await whatIfs.whatIf(request)
            #expect(answer.initialMarginAfter != answer.initialMarginBefore && !answer.documentJson.isEmpty)
            #expect(gate.load == (0, 0))
        }
    }
}
