import Foundation
import Testing
import TailGridCluster
import TailGridProtocol
import TailGridTestSupport

/// A coordinator with `--state`: killed (SIGKILL) or stopped (SIGTERM past its drain) in
/// the middle of a job and started again on the same folder, it resumes the job without
/// recomputing the chunks it had merged, and the result is the one a run that never
/// stopped gives.
@Suite(.serialized) struct ProcessDurabilityTests {
    typealias P = ClusterProcesses

    /// Chunks a worker started computing (it logs each at debug level).
    static func chunksComputed(by worker: P.Running) -> Int {
        worker.standardError.components(separatedBy: "computing chunk ").count - 1
    }

    /// "resumed from the journal: K of N chunks done" in a coordinator's log.
    static func resumedChunks(_ coordinator: P.Running, job: String) -> (done: Int, total: Int)? {
        guard let line = coordinator.standardError.split(separator: "\n").first(where: { $0.contains("job \(job) (") && $0.contains("resumed from the journal") }),
              let range = line.range(of: "resumed from the journal: ") else { return nil }
        let words = line[range.upperBound...].split(separator: " ")
        guard words.count >= 3, let done = Int(words[0]), let total = Int(words[2]) else { return nil }
        return (done, total)
    }

    static func status(_ scratch: P.Scratch, _ address: String, _ job: String) async throws -> Tailgrid_V1_JobStatus {
        try await P.client(scratch, address).withConnection { try await $0.status(job) }
    }

    /// Polls until the job has ended; its last status.
    static func finished(_ scratch: P.Scratch, _ address: String, _ job: String, upTo timeout: Duration = .seconds(240)) async throws -> Tailgrid_V1_JobStatus {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = try? await status(scratch, address, job), status.state != .queued, status.state != .running {
                return status
            }
            guard ContinuousClock.now < deadline else { throw TestFailure("job \(job) did not finish in \(timeout)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Polls the job with its only worker frozen (SIGSTOP) during each reading, until
    /// `chunks` are done; returns that status with the worker still frozen. The job cannot
    /// end between the reading and what the caller does next (only results already on the
    /// wire can still merge), however slowly a loaded machine runs the caller.
    static func frozen(_ worker: P.Running, after chunks: Int, _ scratch: P.Scratch, _ address: String, _ job: String,
                       upTo timeout: Duration = .seconds(240)) async throws -> Tailgrid_V1_JobStatus {
        let deadline = ContinuousClock.now + timeout
        worker.signal(SIGSTOP)
        while true {
            let status = try await status(scratch, address, job)
            if status.chunksDone >= chunks { return status }
            guard ContinuousClock.now < deadline else {
                worker.signal(SIGCONT)
                throw TestFailure("job \(job) did not reach \(chunks) chunks in \(timeout)")
            }
            // The worker runs 10 ms at a time, timed on a thread of its own: a sleep on the
            // cooperative pool, which the other tests keep busy on a loaded machine, once
            // let it run the whole job (three test runs at once: the job had succeeded).
            try await OffPool.run {
                worker.signal(SIGCONT)
                Thread.sleep(forTimeInterval: 0.01)
                worker.signal(SIGSTOP)
            }
        }
    }

    @Test func aCoordinatorKilledMidJobResumesFromItsJournal() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let job = scratch.path("book.yaml")
        // 196 chunks: long enough (several seconds on one worker thread) that the checks
        // below run while it is still running, even on a loaded machine.
        try BookFixture.yaml(accounts: 60, scenarios: 400_000, chunkSize: 2048).write(toFile: job, atomically: true, encoding: .utf8)
        let state = scratch.path("state")
        let (first, address) = try await P.coordinator(scratch, extra: ["--state", state])
        defer { first.stop() }
        let submitted = try await P.run(["submit", job, "--coordinator", address, "--token-file", scratch.tokenFile])
        #expect(submitted.status == 0, "\(submitted.errors)")
        let id = submitted.output.trimmingCharacters(in: .whitespacesAndNewlines)
        // A scheduler's view of a job just submitted: status and result exit 81.
        let running = try await P.run(["status", id, "--coordinator", address, "--token-file", scratch.tokenFile])
        #expect(running.status == 81, "\(running.errors)")
        #expect((running.output.contains("\"state\":\"RUNNING\"") || running.output.contains("\"state\":\"QUEUED\""))
                && running.output.contains("\"chunks_total\":196"), "\(running.output)")
        let early = try await P.run(["result", id, "--coordinator", address, "--token-file", scratch.tokenFile, "--out", scratch.path("early")])
        #expect(early.status == 81, "\(early.errors)")
        // A waiting client across the restart.
        let waiting = try P.Running(["wait", id, "--coordinator", address, "--token-file", scratch.tokenFile, "--quiet",
                                     "--out", scratch.path("waited")])
        // The worker joins only now, so the checks above saw the job unfinished however
        // slowly their processes started.
        let worker = try P.worker(scratch, address: address, name: "w")
        defer { worker.signal(SIGCONT); worker.stop() }
        let beforeKill = try await Self.frozen(worker, after: 12, scratch, address, id)
        #expect(beforeKill.state == .running, "\(beforeKill.state) after \(beforeKill.chunksDone) done")
        let doneBeforeKill = Int(beforeKill.chunksDone)
        first.signal(SIGKILL)
        _ = await first.waitForExit(upTo: .seconds(30))
        worker.signal(SIGCONT)
        try await Task.sleep(for: .milliseconds(300))
        let computedBeforeRestart = Self.chunksComputed(by: worker)

        // Started again on the same folder and port: the worker rejoins.
        let (second, _) = try await P.coordinator(scratch, listen: address, extra: ["--state", state])
        defer { second.stop() }
        let resumed = try #require(Self.resumedChunks(second, job: id), "\(second.standardError)")
        #expect(resumed.total == 196)
        #expect(resumed.done < resumed.total, "the job ended before the kill: \(resumed)")
        // A merged chunk reaches the journal right after the transition that merged it:
        // with one worker, at most the last message's chunks a status saw are not there
        // yet (one chunk, or a group of leases: at most `maxLeaseGroup`).
        let lastMessage = CoordinatorConfiguration().maxLeaseGroup
        #expect(resumed.done >= doneBeforeKill - lastMessage && resumed.done > 0, "\(resumed) after \(doneBeforeKill) done")
        let ended = try await Self.finished(scratch, address, id)
        #expect(ended.state == .succeeded, "\(ended.error)")
        #expect(Int(ended.chunksResumed) == resumed.done)
        #expect(ended.submittedUnixSeconds > 0 && ended.startedUnixSeconds >= ended.submittedUnixSeconds
                && ended.finishedUnixSeconds >= ended.startedUnixSeconds)
        // Finished chunks were not computed again: the worker computed only the others.
        #expect(Self.chunksComputed(by: worker) - computedBeforeRestart == resumed.total - resumed.done,
                "\(Self.chunksComputed(by: worker)) - \(computedBeforeRestart) computed after the restart, \(resumed.done) of \(resumed.total) resumed")
        let result = try await P.client(scratch, address).withConnection { try await $0.result(id) }
        let local = try await P.localResult(job, scratch, name: "local")
        #expect(ResultText.comparable(result.json) == local)
        #expect(await waiting.waitForExit(upTo: .seconds(60)) == 0, "\(waiting.standardError)")
        #expect(try P.resultWithoutTiming(scratch.path("waited")) == local)

        // Killed again once the job has finished: its status and result still answer.
        second.signal(SIGKILL)
        _ = await second.waitForExit(upTo: .seconds(30))
        let (third, _) = try await P.coordinator(scratch, listen: address, extra: ["--state", state])
        defer { third.stop() }
        let again = try await Self.status(scratch, address, id)
        #expect(again.state == .succeeded)
        #expect(again.finishedUnixSeconds == ended.finishedUnixSeconds)
        let kept = try await P.client(scratch, address).withConnection { try await $0.result(id) }
        #expect(kept.json == result.json && kept.csv == result.csv)
    }

    /// Changes the journal of a stopped coordinator with SQLite itself (Python's sqlite3),
    /// as damage or a hand edit would.
    static func editJournal(_ state: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute(sys.argv[2]); db.commit()",
                             state + "/journal.sqlite", sql]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("could not edit the journal: \(sql)") }
    }

    /// Journaled chunks are used only by the engine version that computed them, with the
    /// pilot floors they were computed under: a journal written by another version, or
    /// whose floors no longer fit the plan, is resumed by computing every chunk again
    /// (without pilot floors in the second case), and the result is still the one of a
    /// run that never stopped.
    @Test func chunksOfAnotherEngineOrMisfitFloorsAreComputedAgain() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let job = scratch.path("book.yaml")
        try BookFixture.yaml(accounts: 60, scenarios: 400_000, chunkSize: 2048).write(toFile: job, atomically: true, encoding: .utf8)
        let local = try await P.localResult(job, scratch, name: "local")
        for (case_, edit) in [("engine", "UPDATE job SET engine_version = '0.0.9'"), ("floors", "UPDATE job SET pilot_floors = zeroblob(8)")] {
            let state = scratch.path("state-\(case_)")
            let (first, address) = try await P.coordinator(scratch, extra: ["--state", state])
            defer { first.stop() }
            let worker = try P.worker(scratch, address: address, name: "w-\(case_)")
            let submitted = try await P.run(["submit", job, "--coordinator", address, "--token-file", scratch.tokenFile])
            #expect(submitted.status == 0, "\(submitted.errors)")
            let id = submitted.output.trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try await Self.frozen(worker, after: 12, scratch, address, id)
            // The worker goes first, so the job cannot finish before the coordinator is
            // killed however slow a loaded machine makes the status calls.
            worker.stop()
            let unfinished = try await Self.status(scratch, address, id)
            #expect(unfinished.state == .running || unfinished.state == .queued, "\(case_): \(unfinished.state)")
            first.signal(SIGKILL)
            _ = await first.waitForExit(upTo: .seconds(30))
            try Self.editJournal(state, edit)

            let (second, _) = try await P.coordinator(scratch, listen: address, extra: ["--state", state])
            defer { second.stop() }
            let resumed = try #require(Self.resumedChunks(second, job: id), "\(second.standardError)")
            #expect(resumed.done == 0, "\(case_): \(resumed)")
            if case_ == "engine" {
                #expect(second.standardError.contains("journaled by engine 0.0.9"), "\(second.standardError)")
            }
            let again = try P.worker(scratch, address: address, name: "w2-\(case_)")
            defer { again.stop() }
            let ended = try await Self.finished(scratch, address, id)
            #expect(ended.state == .succeeded, "\(ended.error)")
            #expect(ended.chunksResumed == 0)
            #expect(Self.chunksComputed(by: again) >= 196)
            let result = try await P.client(scratch, address).withConnection { try await $0.result(id) }
            #expect(ResultText.comparable(result.json) == local, "\(case_)")
        }
    }

    /// SIGTERM drains: NOT_SERVING and no new jobs at once, the running job completes, then
    /// exit 0. A job longer than the drain stays in the journal and completes after a
    /// restart, with the result of a run that never stopped; a hung worker does not keep
    /// the stopped coordinator from exiting.
    @Test func sigtermDrainsAndALongerJobResumesAfterARestart() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let short = scratch.path("short.yaml")
        try BookFixture.yaml(name: "short", accounts: 60, scenarios: 300_000, chunkSize: 2048).write(toFile: short, atomically: true, encoding: .utf8)
        let long = scratch.path("long.yaml")
        try BookFixture.yaml(name: "long", accounts: 100, scenarios: 400_000, chunkSize: 2048).write(toFile: long, atomically: true, encoding: .utf8)
        let state = scratch.path("state")

        // A drain long enough for the running job.
        let (first, address) = try await P.coordinator(scratch, extra: ["--state", state, "--drain-seconds", "120"])
        defer { first.stop() }
        let worker = try P.worker(scratch, address: address, name: "w")
        defer { worker.signal(SIGCONT); worker.stop() }
        let waiting = try P.Running(["submit", short, "--coordinator", address, "--token-file", scratch.tokenFile, "--wait", "--quiet",
                                     "--out", scratch.path("short-out")])
        #expect(await worker.wait { worker.standardError.contains("computing chunk") })
        first.signal(SIGTERM)
        #expect(await first.wait { first.standardError.contains("draining") }, "\(first.standardError)")
        let refused = try await P.run(["submit", short, "--coordinator", address, "--token-file", scratch.tokenFile, "--force-new"])
        #expect(refused.status == 69, "\(refused.errors)")
        #expect(refused.errors.contains("shutting down"), "\(refused.errors)")
        #expect(await waiting.waitForExit(upTo: .seconds(120)) == 0, "\(waiting.standardError)")
        #expect(await first.waitForExit(upTo: .seconds(30)) == 0, "\(first.standardError)")
        #expect(try P.resultWithoutTiming(scratch.path("short-out")) == (try await P.localResult(short, scratch, name: "short-local")))

        // A drain shorter than the job: it stays in the journal, the coordinator exits 0.
        let (second, _) = try await P.coordinator(scratch, listen: address, extra: ["--state", state, "--drain-seconds", "0"])
        defer { second.stop() }
        let submitted = try await P.run(["submit", long, "--coordinator", address, "--token-file", scratch.tokenFile])
        let id = submitted.output.trimmingCharacters(in: .whitespacesAndNewlines)
        // The worker stays frozen through the shutdown, as a hung one would: it never
        // closes its stream, and the coordinator exits once the close grace has passed.
        _ = try await Self.frozen(worker, after: 5, scratch, address, id)
        second.signal(SIGTERM)
        #expect(await second.waitForExit(upTo: .seconds(30)) == 0, "\(second.standardError)")
        #expect(second.standardError.contains("stopping without their peers"), "\(second.standardError)")
        worker.signal(SIGCONT)
        #expect(second.standardError.contains("1 unfinished jobs stay in the journal"), "\(second.standardError)")

        let (third, _) = try await P.coordinator(scratch, listen: address, extra: ["--state", state])
        defer { third.stop() }
        let resumed = try #require(Self.resumedChunks(third, job: id), "\(third.standardError)")
        #expect(resumed.done > 0)
        let ended = try await Self.finished(scratch, address, id)
        #expect(ended.state == .succeeded, "\(ended.error)")
        let result = try await P.client(scratch, address).withConnection { try await $0.result(id) }
        #expect(ResultText.comparable(result.json) == (try await P.localResult(long, scratch, name: "long-local")))
    }

    /// A state folder that is not a coordinator's, or that another coordinator holds, is
    /// refused with exit 73 and a message that says which.
    @Test func foreignBusyOrDamagedStateFoldersAreRefused() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let foreign = scratch.path("foreign")
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        try "payroll".write(toFile: foreign + "/payroll.csv", atomically: true, encoding: .utf8)
        let refusedForeign = try await P.run(["coordinator", "--listen", "127.0.0.1:0", "--state", foreign])
        #expect(refusedForeign.status == 73)
        #expect(refusedForeign.errors.contains("holds other files (payroll.csv) and no TailGrid journal"), "\(refusedForeign.errors)")

        let damaged = scratch.path("damaged")
        try FileManager.default.createDirectory(atPath: damaged, withIntermediateDirectories: true)
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: damaged + "/journal.sqlite"))
        let refusedDamaged = try await P.run(["coordinator", "--listen", "127.0.0.1:0", "--state", damaged])
        #expect(refusedDamaged.status == 73)
        #expect(refusedDamaged.errors.contains("is not a TailGrid journal or is damaged"), "\(refusedDamaged.errors)")

        let state = scratch.path("state")
        let (holder, address) = try await P.coordinator(scratch, extra: ["--state", state])
        defer { holder.stop() }
        // (Exit codes of a cancelled job, on the way: cancel 0, then status, wait, result 79.)
        let submitted = try await P.run(["submit", "jobs/quickstart.yaml", "--coordinator", address, "--token-file", scratch.tokenFile])
        let id = submitted.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let cancel = try await P.run(["cancel", id, "--coordinator", address, "--token-file", scratch.tokenFile])
        #expect(cancel.status == 0, "\(cancel.errors)")
        #expect(cancel.output.contains("\"state\":\"CANCELLED\""), "\(cancel.output)")
        for command in ["status", "wait", "result"] {
            let outcome = try await P.run([command, id, "--coordinator", address, "--token-file", scratch.tokenFile]
                                          + (command == "result" ? ["--out", scratch.path("never")] : []))
            #expect(outcome.status == 79, "\(command): \(outcome.errors)")
        }
        let unknown = try await P.run(["wait", "job-unknown", "--coordinator", address, "--token-file", scratch.tokenFile])
        #expect(unknown.status == 66, "\(unknown.errors)")
        let refusedBusy = try await P.run(["coordinator", "--listen", "127.0.0.1:0", "--state", state])
        #expect(refusedBusy.status == 73)
        #expect(refusedBusy.errors.contains("is in use by another coordinator (pid \(holder.process.processIdentifier)"), "\(refusedBusy.errors)")

        // Idempotent submission: the same input returns the job while it is queued, running
        // or succeeded (a cancelled one does not count), across a restart too; --force-new
        // and other keys make new jobs.
        func submit(_ extra: [String] = []) async throws -> String {
            let outcome = try await P.run(["submit", "jobs/quickstart.yaml", "--coordinator", address, "--token-file", scratch.tokenFile] + extra)
            #expect(outcome.status == 0, "\(outcome.errors)")
            return outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let queued = try await submit()
        #expect(queued != id)
        #expect(try await submit() == queued)
        let forced = try await submit(["--force-new"])
        #expect(forced != queued)
        let keyed = try await submit(["--idempotency-key", "eod-2026-11-21"])
        #expect(keyed != queued && keyed != forced)
        #expect(try await submit(["--idempotency-key", "eod-2026-11-21"]) == keyed)
        let badKey = try await P.run(["submit", "jobs/quickstart.yaml", "--coordinator", address, "--token-file", scratch.tokenFile,
                                      "--idempotency-key", "tab\there"])
        #expect(badKey.status == 64, "\(badKey.errors)")
        holder.signal(SIGKILL)
        _ = await holder.waitForExit(upTo: .seconds(30))
        let (restarted, _) = try await P.coordinator(scratch, listen: address, extra: ["--state", state])
        defer { restarted.stop() }
        #expect(try await submit() == queued)
        #expect(try await submit(["--idempotency-key", "eod-2026-11-21"]) == keyed)
    }
}
