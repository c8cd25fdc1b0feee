import Foundation
import Testing
import TailGridTestSupport
import tailgrid

/// `run --workers N` stops its worker processes when it ends: SIGTERM, then SIGKILL for
/// one that is still running after the grace period, so the run never waits forever.
@Suite struct WorkerStopTests {
    /// A process of `/bin/sh -c script`, started.
    static func started(_ script: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        return process
    }

    /// Waits up to 10 s for each process's command name to be `sleep` (off the cooperative
    /// pool, which the other tests share).
    static func becameSleeps(_ processes: [Process]) async throws -> Bool {
        let identifiers = processes.map(\.processIdentifier)
        return try await OffPool.run { becameSleeps(identifiers) }
    }

    static func becameSleeps(_ identifiers: [Int32]) -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let names = identifiers.map { try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8) }
            if names.allSatisfy({ $0 == "sleep\n" }) { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    @Test func oneIgnoringSigtermIsKilledAfterTheGrace() async throws {
        // `exec` makes the sleep itself the process, ignoring SIGTERM as the shell did. It
        // sleeps an hour: under CI's load this test reached its stop 24 s after it started
        // (all tests start at once on 2 cores), and a 20 s sleep had ended by itself.
        let stubborn = try Self.started("trap '' TERM; exec sleep 3600")
        // A real worker, retrying a coordinator that is not there: SIGTERM drains it and
        // it exits 0 (or, had the signal come before its handler, SIGTERM ends it). A
        // plain `sleep` would not do: a child started from a pool thread inherits that
        // thread's blocked signals, which the worker's signalfd reads but a sleep never sees.
        let worker = Process()
        worker.executableURL = TailGridProcess.executable
        worker.arguments = ["worker", "--coordinator", "127.0.0.1:1", "--threads", "1"]
        worker.standardError = FileHandle.nullDevice
        try worker.run()
        // Nothing outlives a failed expectation.
        defer {
            for process in [stubborn, worker] where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        // Signal them once the shell has become its sleep (past the trap) and the worker
        // has had time to set up its signal handling.
        #expect(try await Self.becameSleeps([stubborn]))
        try await Task.sleep(for: .seconds(1))
        let took = try await OffPool.run {
            let started = ContinuousClock.now
            WorkerProcesses([stubborn, worker]).stop(grace: .seconds(3))
            return ContinuousClock.now - started
        }
        #expect(!stubborn.isRunning && !worker.isRunning)
        #expect(stubborn.terminationReason == .uncaughtSignal && stubborn.terminationStatus == SIGKILL)
        // It left on SIGTERM, within the grace: not killed.
        #expect((worker.terminationReason == .exit && worker.terminationStatus == 0)
                || (worker.terminationReason == .uncaughtSignal && worker.terminationStatus == SIGTERM),
                "worker ended by \(worker.terminationReason == .exit ? "exit" : "signal") \(worker.terminationStatus)")
        // Bounded by the grace, far below the hour the stubborn one would sleep.
        #expect(took < .seconds(10), "stop took \(took)")
    }

    /// `terminate` (sent as soon as a run's job ends, while its result is written) signals
    /// without waiting: the worker leaves on that signal alone, with no `stop`.
    @Test func terminateAloneEndsAWorker() async throws {
        let worker = Process()
        worker.executableURL = TailGridProcess.executable
        worker.arguments = ["worker", "--coordinator", "127.0.0.1:1", "--threads", "1"]
        worker.standardOutput = FileHandle.nullDevice
        worker.standardError = FileHandle.nullDevice
        try worker.run()
        defer { if worker.isRunning { kill(worker.processIdentifier, SIGKILL) } }
        try await Task.sleep(for: .seconds(1))
        WorkerProcesses([worker]).terminate()
        let exited = try await OffPool.run {
            let deadline = ContinuousClock.now + .seconds(20)
            while worker.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
            return !worker.isRunning
        }
        #expect(exited, "the worker still runs 20 s after SIGTERM")
        // A running process's termination reason is a trap in Foundation.
        guard exited else { return }
        #expect((worker.terminationReason == .exit && worker.terminationStatus == 0)
                || (worker.terminationReason == .uncaughtSignal && worker.terminationStatus == SIGTERM))
    }

    @Test func exitedOnesAreLeftAsTheyEnded() throws {
        let done = try Self.started("exit 3")
        done.waitUntilExit()
        WorkerProcesses([done]).stop(grace: .seconds(5))
        #expect(done.terminationReason == .exit && done.terminationStatus == 3)
    }
}
