import Foundation
import Testing
import TailGridTestSupport
import TailGridCluster
import TailGridJob

/// The cluster as users run it: separate `tailgrid` processes over loopback TCP.
@Suite("Cluster over real processes", .serialized)
struct ProcessClusterTests {
    typealias P = ClusterProcesses


    @Test func threeWorkersGiveTheInProcessResultByteForByte() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        let workers = try (0..<3).map { try P.worker(scratch, address: address, name: "w\($0)") }
        defer { workers.forEach { $0.stop() } }
        let out = scratch.path("cluster")
        let submitted = try await P.run(["submit", "jobs/quickstart.yaml", "--coordinator", address, "--token-file", scratch.tokenFile,
                                         "--wait", "--out", out])
        #expect(submitted.status == 0, "\(submitted.errors)")
        #expect(submitted.output.hasPrefix("job-"))
        #expect(submitted.output.contains("alice"))
        #expect(try P.resultWithoutTiming(out) == (try await P.localResult("jobs/quickstart.yaml", scratch, name: "local")))
        let jobID = String(submitted.output.split(separator: "\n")[0])
        let status = try await P.run(["status", jobID, "--coordinator", address, "--token-file", scratch.tokenFile])
        #expect(status.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as! [String: Any]
        #expect(json["state"] as? String == "SUCCEEDED")
        #expect(json["chunks_done"] as? Int == 13)

        // computed_by names the machines whose chunks were merged (three workers, one host).
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/result.json"))) as? [String: Any]
        let computedBy = try #require(result?["computed_by"] as? [String: Any])
        let machines = try #require(computedBy["workers"] as? [[String: Any]])
        #expect(machines.count == 1)
        #expect(machines.first?["chunks"] as? Int == 13)
        #expect(machines.first?["host"] as? String == ProcessInfo.processInfo.hostName)
        #expect(machines.first?["engine_version"] as? String == computedBy["engine_version"] as? String)
        #expect(machines.first?["openblas_core"] as? String == computedBy["openblas_core"] as? String)
    }

    /// A calibrated FHS job submitted from another process: the submitter reads the
    /// market file and the price files (--data-dir), they travel with the job to the
    /// coordinator and on to the workers, and the result is the in-process one.
    @Test func calibratedJobTravelsWithItsPriceFiles() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        let workers = try (0..<2).map { try P.worker(scratch, address: address, name: "w\($0)") }
        defer { workers.forEach { $0.stop() } }
        let data = SharedPriceData.folder.path
        let out = scratch.path("cluster")
        let submitted = try await P.run(["submit", "jobs/eod-fhs.yaml", "--data-dir", data, "--coordinator", address,
                                         "--token-file", scratch.tokenFile, "--wait", "--out", out, "--quiet"])
        #expect(submitted.status == 0, "\(submitted.errors)")
        let local = scratch.path("local")
        let run = try await P.run(["run", "jobs/eod-fhs.yaml", "--data-dir", data, "--out", local, "--quiet"])
        #expect(run.status == 0, "\(run.errors)")
        #expect(try P.resultWithoutTiming(out) == (try P.resultWithoutTiming(local)))
    }

    /// `backtest --coordinator`: each day re-dated to a job of its own (its variant
    /// travels with it, part of its SHA-256) and computed by the cluster's workers;
    /// backtest.json and backtest.csv are the in-process ones byte for byte, and each day
    /// is a job the coordinator lists.
    @Test func backtestDaysAreJobsOnTheCluster() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        let workers = try (0..<2).map { try P.worker(scratch, address: address, name: "w\($0)") }
        defer { workers.forEach { $0.stop() } }
        let arguments = ["backtest", "jobs/eod-fhs.yaml", "--data-dir", SharedPriceData.folder.path, "--from", "2024-03-01",
                         "--to", "2024-03-21", "--step", "5", "--scenarios", "4096", "--quiet"]
        let cluster = scratch.path("cluster"), local = scratch.path("local")
        let onCluster = try await P.run(arguments + ["--coordinator", address, "--token-file", scratch.tokenFile, "--out", cluster])
        #expect(onCluster.status == 0, "\(onCluster.errors)")
        let inProcess = try await P.run(arguments + ["--out", local])
        #expect(inProcess.status == 0, "\(inProcess.errors)")
        for name in ["backtest.json", "backtest.csv"] {
            #expect(FileManager.default.contents(atPath: cluster + "/" + name) == FileManager.default.contents(atPath: local + "/" + name),
                    "\(name) differs")
        }
        let listed = try await P.client(scratch, address).withConnection { try await $0.list() }
        #expect(listed.jobs.count == 5 && listed.jobs.allSatisfy { $0.state == .succeeded && $0.scenariosTotal == 4096 })
        #expect(Set(listed.jobs.map(\.inputSha256)).count == 5, "each day is a job of its own")
    }

    /// `tailgrid serve`: the book held in memory answers what-if requests over gRPC with
    /// the document `tailgrid whatif --json` prints, byte for byte (trades in held
    /// instruments and in one the book does not hold); an unknown account or a malformed
    /// trade is refused naming it; without the token nothing is answered. `tailgrid whatif
    /// --server` prints the same document, and exits 65, 77 or 69 when refused, not
    /// authenticated or not answered.
    @Test func aServedWhatIfIsWhatIfByteForByte() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (serving, address) = try await P.listening(["serve", "jobs/quickstart.yaml", "--listen", "127.0.0.1:0",
                                                        "--token-file", scratch.tokenFile])
        defer { serving.stop() }
        let client = try P.client(scratch, address)
        for (account, trades) in [("alice", ["BTC-PERPETUAL:-20000", "BTC-28MAR25-100000-C:5"]), ("dave", ["ETH-28MAR25-3000-C:-4"])] {
            let response = try await client.withConnection { try await $0.whatIf(account: account, trades: trades) }
            let local = try await P.run(["whatif", "jobs/quickstart.yaml", "--account", account, "--json"] + trades.flatMap { ["--add", $0] })
            #expect(local.status == 0, "\(local.errors)")
            #expect(String(decoding: response.documentJson, as: UTF8.self) == local.output, "\(account)")
            #expect(response.initialMarginAfter != response.initialMarginBefore && response.seconds > 0)
            let asked = try await P.run(["whatif", "--server", address, "--token-file", scratch.tokenFile, "--account", account, "--json"]
                                        + trades.flatMap { ["--add", $0] })
            #expect(asked.status == 0 && asked.output == local.output, "\(account): \(asked.errors)")
        }
        let table = try await P.run(["whatif", "--server", address, "--token-file", scratch.tokenFile, "--account", "alice",
                                     "--add", "BTC-PERPETUAL:-20000"])
        #expect(table.status == 0 && table.output.contains("initial margin") && table.output.contains("common random numbers"), "\(table.errors)")
        // Refused by the server (65), without the token (77), and nobody listening (69).
        let refused = try await P.run(["whatif", "--server", address, "--token-file", scratch.tokenFile, "--account", "mallory",
                                       "--add", "BTC-PERPETUAL:1"])
        #expect(refused.status == 65 && refused.errors.contains("mallory"), "\(refused.errors)")
        let anonymous = try await P.run(["whatif", "--server", address, "--account", "alice", "--add", "BTC-PERPETUAL:1"])
        #expect(anonymous.status == 77, "\(anonymous.errors)")
        let nobody = try await P.run(["whatif", "--server", "127.0.0.1:1", "--account", "alice", "--add", "BTC-PERPETUAL:1"])
        #expect(nobody.status == 69, "\(nobody.errors)")
        for (account, trades, named) in [("mallory", ["BTC-PERPETUAL:1"], "mallory"), ("alice", ["BTC-PERPETUAL:nan"], "trades"),
                                         ("alice", [], "1 to 1000 trades"), ("alice", ["XRP-PERPETUAL:1"], "trades")] {
            do {
                _ = try await client.withConnection { try await $0.whatIf(account: account, trades: trades) }
                Issue.record("\(account) \(trades) was answered")
            } catch {
                #expect(error.code == .invalidJob && error.message.contains(named), "\(error)")
            }
        }
        guard let parsed = ClusterAddress(address) else { throw TestFailure("not an address: \(address)") }
        do {
            _ = try await ClusterClient(address: parsed, token: nil).withConnection { try await $0.whatIf(account: "alice", trades: ["BTC:1"]) }
            Issue.record("answered without a token")
        } catch {
            #expect(error.code == .unauthenticated, "\(error)")
        }
    }

    /// `tailgrid serve --shard I/K` on two servers (shard 1 on two, a replica) and a front
    /// (`--shards`): the front's what-if is the document `tailgrid whatif --json` prints,
    /// byte for byte, each shard holding half the scenarios. A front whose shards do not
    /// cover the book, or hold another job, refuses to start; a shard gone makes the
    /// front answer UNAVAILABLE (exit 69), never a margin from the shards left.
    @Test func aShardedBookAnswersAsTheWholeBook() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let token = ["--token-file", scratch.tokenFile]
        var shards: [(P.Running, String)] = []
        defer { shards.forEach { $0.0.stop() } }
        for shard in ["0/2", "1/2", "1/2"] {
            shards.append(try await P.listening(["serve", "jobs/quickstart.yaml", "--listen", "127.0.0.1:0", "--shard", shard] + token))
        }
        #expect(shards[0].0.standardError.contains("shard 0/2, scenarios 0..<49920"), "\(shards[0].0.standardError)")
        let addresses = shards.map(\.1)
        let (front, address) = try await P.listening(["serve", "jobs/quickstart.yaml", "--listen", "127.0.0.1:0", "--shards"] + addresses
                                                     + ["--shard-token-file", scratch.tokenFile] + token)
        defer { front.stop() }
        for (account, trades) in [("alice", ["BTC-PERPETUAL:-20000", "BTC-28MAR25-100000-C:5"]), ("dave", ["ETH-28MAR25-3000-C:-4"])] {
            let local = try await P.run(["whatif", "jobs/quickstart.yaml", "--account", account, "--json"] + trades.flatMap { ["--add", $0] })
            let asked = try await P.run(["whatif", "--server", address, "--account", account, "--json"] + token + trades.flatMap { ["--add", $0] })
            #expect(local.status == 0 && asked.status == 0 && asked.output == local.output, "\(account): \(asked.errors)")
        }
        // A shard server answers its front, not what-ifs.
        let direct = try await P.run(["whatif", "--server", addresses[0], "--account", "alice", "--add", "BTC-PERPETUAL:1"] + token)
        #expect(direct.status == 75 && direct.errors.contains("shard 0/2"), "\(direct.status) \(direct.errors)")
        // Shards that do not cover the book, or of another job.
        let partial = try await P.run(["serve", "jobs/quickstart.yaml", "--listen", "127.0.0.1:0", "--shards", addresses[0],
                                       "--shard-token-file", scratch.tokenFile, "--shard-wait", "5"] + token)
        #expect(partial.status == 65 && partial.errors.contains("no server holds shard 1/2"), "\(partial.errors)")
        let other = scratch.path("other.yaml")
        try BookFixture.yaml().write(toFile: other, atomically: true, encoding: .utf8)
        let foreign = try await P.run(["serve", other, "--listen", "127.0.0.1:0", "--shards"] + addresses
                                      + ["--shard-token-file", scratch.tokenFile, "--shard-wait", "5"] + token)
        #expect(foreign.status == 76 && foreign.errors.contains("holds job"), "\(foreign.errors)")
        // Shard 0 gone: no answer from half the book.
        shards[0].0.stop()
        let gone = try await P.run(["whatif", "--server", address, "--account", "alice", "--add", "BTC-PERPETUAL:1"] + token)
        #expect(gone.status == 69 && gone.errors.contains("shard 0/2"), "\(gone.errors)")
    }

    /// SIGKILL a worker while it holds a chunk: the chunk is retried elsewhere and the
    /// result is still identical.
    @Test func killedWorkersChunkIsRetriedAndTheResultIsIdentical() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let job = scratch.path("book.yaml")
        try BookFixture.yaml().write(toFile: job, atomically: true, encoding: .utf8)
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        let victim = try P.worker(scratch, address: address, name: "victim")
        defer { victim.stop() }
        let survivors = try (0..<2).map { try P.worker(scratch, address: address, name: "survivor\($0)") }
        defer { survivors.forEach { $0.stop() } }
        let out = scratch.path("cluster")
        let submit = try P.Running(["submit", job, "--coordinator", address, "--token-file", scratch.tokenFile, "--wait", "--out", out, "--quiet"])
        #expect(await victim.wait { victim.standardError.contains("computing chunk") }, "the victim never got a chunk")
        victim.signal(SIGKILL)
        #expect(await submit.waitForExit(upTo: .seconds(240)) == 0, "\(submit.standardError)")
        let jobID = String(submit.standardOutput.split(separator: "\n")[0])
        let client = try P.client(scratch, address)
        let status = try await client.withConnection { try await $0.status(jobID) }
        #expect(status.retriedChunks >= 1)
        #expect(coordinator.standardError.contains("retrying (attempt 2 of 3)"))
        #expect(try P.resultWithoutTiming(out) == (try await P.localResult(job, scratch, name: "local")))
    }

    /// A job submitted to a coordinator without workers waits; a worker joining later runs it.
    @Test func jobWaitsForAWorkerThatJoinsLater() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        let submitted = try await P.run(["submit", "jobs/quickstart.yaml", "--coordinator", address, "--token-file", scratch.tokenFile])
        #expect(submitted.status == 0, "\(submitted.errors)")
        let jobID = submitted.output.trimmingCharacters(in: .whitespacesAndNewlines)
        try await Task.sleep(for: .milliseconds(500))
        let queued = try await P.run(["status", jobID, "--coordinator", address, "--token-file", scratch.tokenFile])
        #expect(queued.output.contains("\"QUEUED\""), "\(queued.output)")
        let worker = try P.worker(scratch, address: address, name: "late")
        defer { worker.stop() }
        let client = try P.client(scratch, address)
        let final = try await client.withConnection { try await $0.watch(jobID) { _ in } }
        #expect(final.state == .succeeded)
    }

    /// Two jobs queued back to back both complete, each with its own correct result.
    @Test func twoQueuedJobsBothComplete() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let second = scratch.path("second.yaml")
        try BookFixture.yaml(name: "second", accounts: 20, scenarios: 30_000, chunkSize: 2048).write(toFile: second, atomically: true, encoding: .utf8)
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        let workers = try (0..<2).map { try P.worker(scratch, address: address, name: "w\($0)") }
        defer { workers.forEach { $0.stop() } }
        let first = try P.Running(["submit", "jobs/quickstart.yaml", "--coordinator", address, "--token-file", scratch.tokenFile,
                                   "--wait", "--quiet", "--out", scratch.path("first-out")])
        let other = try P.Running(["submit", second, "--coordinator", address, "--token-file", scratch.tokenFile,
                                   "--wait", "--quiet", "--out", scratch.path("second-out")])
        #expect(await first.waitForExit() == 0, "\(first.standardError)")
        #expect(await other.waitForExit() == 0, "\(other.standardError)")
        #expect(try P.resultWithoutTiming(scratch.path("first-out")) == (try await P.localResult("jobs/quickstart.yaml", scratch, name: "l1")))
        #expect(try P.resultWithoutTiming(scratch.path("second-out")) == (try await P.localResult(second, scratch, name: "l2")))
    }

    @Test func wrongTokenIsRefused() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        let wrong = scratch.path("wrong-token")
        try "not-the-cluster-token-at-all".write(toFile: wrong, atomically: true, encoding: .utf8)
        let submitted = try await P.run(["submit", "jobs/quickstart.yaml", "--coordinator", address, "--token-file", wrong])
        #expect(submitted.status == 77, "\(submitted.errors)")
        #expect(submitted.errors.contains("missing or wrong bearer token"))
        let noToken = try await P.run(["status", "job-x", "--coordinator", address])
        #expect(noToken.status == 77)
        let worker = try P.worker(scratch, address: address, name: "intruder", token: wrong)
        defer { worker.stop() }
        #expect(await worker.waitForExit(upTo: .seconds(30)) == 77)
        #expect(!coordinator.standardError.contains("not-the-cluster-token"), "tokens are never logged")
    }

    /// Over its limits a job is refused at submission, before any work starts.
    @Test func oversizedJobIsRefusedBeforeWork() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (coordinator, address) = try await P.coordinator(scratch, extra: ["--max-scenarios", "50000"])
        defer { coordinator.stop() }
        let submitted = try await P.run(["submit", "jobs/quickstart.yaml", "--coordinator", address, "--token-file", scratch.tokenFile])
        #expect(submitted.status == 65)
        #expect(submitted.errors.contains("100000 scenarios; this coordinator accepts at most 50000"), "\(submitted.errors)")
        #expect(!coordinator.standardError.contains("queued"))
    }

    /// A non-loopback address without a token is refused at the command line.
    @Test func publicListenRequiresAToken() async throws {
        let outcome = try await P.run(["coordinator", "--listen", "0.0.0.0:0"])
        #expect(outcome.status == 64)
        #expect(outcome.errors.contains("requires --token-file"))
    }

    /// SIGTERM: a worker finishes or hands back its chunks and exits 0; the coordinator
    /// stops cleanly with exit 0.
    @Test func sigtermShutsDownCleanly() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let job = scratch.path("book.yaml")
        try BookFixture.yaml(accounts: 100, scenarios: 120_000).write(toFile: job, atomically: true, encoding: .utf8)
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        let leaving = try P.worker(scratch, address: address, name: "leaving")
        defer { leaving.stop() }
        let staying = try P.worker(scratch, address: address, name: "staying")
        defer { staying.stop() }
        let submit = try P.Running(["submit", job, "--coordinator", address, "--token-file", scratch.tokenFile, "--wait", "--quiet",
                                    "--out", scratch.path("out")])
        #expect(await leaving.wait { leaving.standardError.contains("computing chunk") })
        leaving.signal(SIGTERM)
        #expect(await leaving.waitForExit(upTo: .seconds(60)) == 0, "\(leaving.standardError)")
        #expect(await submit.waitForExit(upTo: .seconds(240)) == 0, "\(submit.standardError)")
        #expect(try P.resultWithoutTiming(scratch.path("out")) == (try await P.localResult(job, scratch, name: "local")))
        coordinator.signal(SIGTERM)
        #expect(await coordinator.waitForExit(upTo: .seconds(30)) == 0, "\(coordinator.standardError)")
        #expect(await staying.wait(upTo: .seconds(10)) { staying.standardError.contains("not reachable") })
    }
}
