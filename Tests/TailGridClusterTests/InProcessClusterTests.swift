import Foundation
import GRPCCore
import Synchronization
import Testing
import TailGridCluster
import TailGridEngine
import TailGridJob
import TailGridJournal
import TailGridProtocol
import TailGridTestSupport

/// The scheduling tests over in-process transports: fast, and free to reach inside.
@Suite("Cluster over in-process transports")
struct InProcessClusterTests {
    @Test func threeWorkersGiveTheLocalResult() async throws {
        let cluster = InProcessCluster()
        defer { cluster.stop() }
        for index in 0..<3 { cluster.startWorker("w\(index)") }
        let job = try ClusterJobs.quickstart
        let id = try cluster.coordinator.submit(job).jobID
        let final = try await cluster.waitForEnd(id)
        #expect(final.state == .succeeded, "\(final.error)")
        #expect(try cluster.resultWithoutTiming(id) == (try ClusterJobs.localResult(job)))
        #expect(final.summaryBytes > 0)
        #expect(final.summaryBytes < final.fullLossVectorBytes / 10, "tails, not vectors: \(final.summaryBytes) of \(final.fullLossVectorBytes)")
    }

    /// A job with stress scenarios, a dependence stress and a short-option minimum: the
    /// workers compute the stress scenarios in two batches (256 and 54 scenarios) beside
    /// the chunks, and each account under the stressed correlations too (three loss rows
    /// per account); every stress batch is audited by the other worker; the result
    /// equals the in-process one.
    @Test func stressAndMarginPolicyGiveTheLocalResult() async throws {
        let job = try ClusterJobs.stressed()
        #expect(job.engineJob.stress.scenarios.count == 310)
        #expect(try EnginePlan(job.engineJob).units.stressBatches == 2)
        let (final, result, _) = try await Self.onTwoWorkers(job)
        #expect(result == (try ClusterJobs.localResult(job)))
        #expect(result.contains("\"worst\" : \"crash\"") || result.contains("\"worst\" : \"grid"))
        #expect(result.contains("perfect_correlation_es"))
        // Status counts the scenario chunks; the audits count both stress batches (and
        // each worker's first chunk, when the other worker was there to take it).
        #expect(final.chunksTotal == 3 && final.chunksDone == 3)
        #expect(final.auditedChunks >= 2 && final.auditMismatches == 0)
    }

    /// Explained on two workers: the stressed quickstart book, carol's account margined in
    /// BTC (its lines restated in the coin), in chunks of 1,000 scenarios (not whole
    /// tiles, so neighbouring replays share a tile and must each keep to their range).
    /// The workers replay the 20 chunks once the merge is complete; explain.json and
    /// contributions.csv are byte for byte the in-process ones, and so is result.json.
    @Test func explainOnTwoWorkersEqualsInProcess() async throws {
        let stressed = String(decoding: try ClusterJobs.stressed(scenarios: 20_000, chunkSize: 1000).jobBytes, as: UTF8.self)
        let yaml = stressed.replacingOccurrences(of: "  - id: carol\n    collateral: { BTC: 2.0 }",
                                                 with: "  - id: carol\n    margin_currency: BTC\n    collateral: { BTC: 2.0 }")
        let job = try ClusterJobs.load(yaml)
        #expect(job.engineJob.accounts.contains { $0.marginCoin == "BTC" })
        let plan = try EnginePlan(job.engineJob)
        let local = try LocalRunner(plan: plan, threads: 2).run(explaining: nil)
        let explanation = ExplanationDocument(plan: plan, explanations: local.explanations, risks: local.result.accounts)
        let (final, result, files) = try await Self.onTwoWorkers(job, explain: true)
        #expect(files.explainJSON == (try explanation.jsonData()))
        #expect(files.contributionsCSV == explanation.csvData())
        #expect(result == (try ClusterJobs.localResult(job)))
        #expect(explanation.accounts.count == 5 && explanation.accounts.allSatisfy { $0.lines.count >= 2 })
        // Each worker's first replay was audited by the other (besides its first chunk and
        // the stress batches).
        #expect(final.auditedChunks >= 4 && final.auditMismatches == 0)
    }

    /// The lookback floor (`margin.apc: { method: lookback_floor }`) beside the dependence
    /// stress: each account's rows under the base, the two stressed correlations and the
    /// ten-year calibration, computed by the workers from the shipped price files; the
    /// result (floor margins and uplifts included) equals the in-process one.
    @Test func lookbackFloorGivesTheLocalResult() async throws {
        let folder = try JobFolder()
        defer { folder.remove() }
        let path = try folder.write("job.yaml", """
            job: floor
            valuation_time: 2025-02-20T08:00:00Z
            seed: 5
            scenarios: 12000
            horizon_days: 2
            confidence: [0.99]
            chunk_size: 2048
            market:
              underlyings:
                BTC: { spot: 97000, vol: 0.5 }
                LTC: { spot: 130, vol: 0.7 }
              calibration: { prices: { BTC: "\(SharedPriceData.path("BTC"))", LTC: "\(SharedPriceData.path("LTC"))" }, lookback_days: 250, method: sample }
            margin: { apc: { method: lookback_floor } }
            stress: { dependence: { confidence: 0.995 } }
            accounts:
              - { id: long, collateral: { USD: 100000 }, positions: [{ instrument: BTC, quantity: 1 }, { instrument: LTC, quantity: 100 }] }
              - { id: spread, collateral: { USD: 50000 }, positions: [{ instrument: BTC, quantity: 1 }, { instrument: LTC, quantity: -600 }] }
            """)
        // Loaded from disk, so the price files' bytes travel with the job.
        let job = try JobFile.load(path: path)
        #expect(job.engineJob.lookbackFloor != nil)
        #expect(try EnginePlan(job.engineJob).lossRowCount == 2 * 4)
        let result = try await Self.onTwoWorkers(job).result
        #expect(result == (try ClusterJobs.localResult(job)))
        #expect(result.contains("\"apc_floor_margin\"") && result.contains("\"lookback_floor\""))
    }

    /// `job` computed by two in-process workers (explaining with `explain`): its final
    /// status, result.json without timing and result files, after expecting it succeeded.
    static func onTwoWorkers(_ job: LoadedJob, explain: Bool = false) async throws
        -> (final: Tailgrid_V1_JobStatus, result: String, files: ResultFiles) {
        let cluster = InProcessCluster()
        defer { cluster.stop() }
        cluster.startWorker("w0")
        cluster.startWorker("w1")
        let id = try cluster.coordinator.submit(job, explain: explain).jobID
        let final = try await cluster.waitForEnd(id)
        #expect(final.state == .succeeded, "\(final.error)")
        return (final, try cluster.resultWithoutTiming(id), try cluster.coordinator.result(job: id))
    }

    /// Pilot floors far too high starve every account's tail: the coordinator sees it once
    /// the merge is complete and computes the job again without them, with the same
    /// result as in-process.
    @Test func tooHighPilotFloorsAreComputedAgainWithout() async throws {
        let job = try ClusterJobs.load(BookFixture.yaml(accounts: 20, scenarios: 20_000, chunkSize: 4096))
        var configuration = CoordinatorConfiguration()
        configuration.pilotFloors = .fixed(Array(repeating: 1e15, count: 20))
        let cluster = InProcessCluster(configuration: configuration)
        defer { cluster.stop() }
        cluster.startWorker("w0")
        cluster.startWorker("w1")
        let id = try cluster.coordinator.submit(job).jobID
        let final = try await cluster.waitForEnd(id)
        #expect(final.state == .succeeded, "\(final.error)")
        #expect(try cluster.resultWithoutTiming(id) == (try ClusterJobs.localResult(job)))
    }

    /// A worker that vanishes while it holds a chunk loses it to the others.
    @Test func lostWorkersChunkIsRetried() async throws {
        let cluster = InProcessCluster()
        defer { cluster.stop() }
        let job = try ClusterJobs.load(BookFixture.yaml(accounts: 60, scenarios: 60_000, chunkSize: 2048))
        let id = try cluster.coordinator.submit(job).jobID
        cluster.startWorker("victim")
        #expect(await cluster.wait { cluster.coordinator.activeLeases > 0 })
        cluster.kill("victim")
        cluster.startWorker("survivor")
        let final = try await cluster.waitForEnd(id)
        #expect(final.state == .succeeded, "\(final.error)")
        #expect(final.retriedChunks >= 1)
        #expect(try cluster.resultWithoutTiming(id) == (try ClusterJobs.localResult(job)))
    }

    @Test func jobWaitsForALateWorker() async throws {
        let cluster = InProcessCluster()
        defer { cluster.stop() }
        let id = try cluster.coordinator.submit(try ClusterJobs.quickstart).jobID
        try await Task.sleep(for: .milliseconds(200))
        #expect(try cluster.coordinator.status(job: id).state == .queued)
        cluster.startWorker("late")
        #expect(try await cluster.waitForEnd(id).state == .succeeded)
    }

    /// Queued jobs run in order of priority, then submission; both finish correctly.
    @Test func queuedJobsRunInOrder() async throws {
        let cluster = InProcessCluster()
        defer { cluster.stop() }
        let small = try ClusterJobs.load(BookFixture.yaml(name: "small", accounts: 10, scenarios: 20_000, chunkSize: 4096))
        let first = try cluster.coordinator.submit(try ClusterJobs.quickstart).jobID
        let second = try cluster.coordinator.submit(small).jobID
        let urgent = try cluster.coordinator.submit(small, priority: 5).jobID
        cluster.startWorker("only")
        for id in [first, second, urgent] { #expect(try await cluster.waitForEnd(id).state == .succeeded) }
        let order = [first, second, urgent].sorted { cluster.coordinator.startTime(of: $0)! < cluster.coordinator.startTime(of: $1)! }
        #expect(order == [urgent, first, second])
        #expect(try cluster.resultWithoutTiming(second) == (try ClusterJobs.localResult(small)))
        #expect(try cluster.resultWithoutTiming(urgent) == (try ClusterJobs.localResult(small)))
    }

    /// A job cancelled while queued leaves the scheduling order: though first by priority,
    /// it is given no unit (it never starts), and the job behind it runs. (A job left in
    /// the order hands its units out first and the one behind it waits forever: the limit.)
    @Test(.timeLimit(.minutes(2))) func aCancelledQueuedJobIsGivenNoUnits() async throws {
        let cluster = InProcessCluster()
        defer { cluster.stop() }
        let small = try ClusterJobs.load(BookFixture.yaml(name: "small", accounts: 10, scenarios: 20_000, chunkSize: 4096))
        let cancelled = try cluster.coordinator.submit(small, priority: 9).jobID
        let next = try cluster.coordinator.submit(small).jobID
        #expect(try cluster.coordinator.cancel(job: cancelled).state == .cancelled)
        cluster.startWorker("only")
        #expect(try await cluster.waitForEnd(next).state == .succeeded)
        #expect(cluster.coordinator.startTime(of: cancelled) == nil)
        #expect(try cluster.coordinator.status(job: cancelled).state == .cancelled)
        #expect(try cluster.resultWithoutTiming(next) == (try ClusterJobs.localResult(small)))
    }

    /// A worker that sends a malformed summary has it rejected; the chunk is retried.
    @Test func malformedResultIsRejectedAndRetried() async throws {
        let cluster = InProcessCluster()
        defer { cluster.stop() }
        let job = try ClusterJobs.quickstart
        let id = try cluster.coordinator.submit(job).jobID
        try await FakeWorker.sendOneBadResult(over: cluster.connection())
        cluster.startWorker("honest")
        let final = try await cluster.waitForEnd(id)
        #expect(final.state == .succeeded, "\(final.error)")
        #expect(final.retriedChunks >= 1)
        #expect(try cluster.resultWithoutTiming(id) == (try ClusterJobs.localResult(job)))
    }

    /// A worker that stops sending heartbeats loses its lease after the timeout. Live
    /// workers heartbeat every 100 ms, 60 times inside the 6 s timeout even on a loaded
    /// machine (with 1 s heartbeats a live worker whose chunk took over 0.4 s lost its
    /// lease; with a 0.6 s timeout one lost it while CI rendered a report in Chromium; with
    /// 3 s one lost it while the whole suite ran at a load of 6 on 2 cores).
    /// Speculation waits a minute, so only the expired lease can bring the chunk back.
    @Test func silentWorkerLosesItsLease() async throws {
        let cluster = InProcessCluster(configuration: CoordinatorConfiguration(
            heartbeatInterval: .milliseconds(100), leaseTimeout: .seconds(6), minimumSpeculationDelay: .seconds(60)))
        defer { cluster.stop() }
        let timers = Task { await cluster.coordinator.runTimers() }
        defer { timers.cancel() }
        let job = try ClusterJobs.quickstart
        let id = try cluster.coordinator.submit(job).jobID
        let silent = Task { try await FakeWorker.holdFirstChunkSilently(over: cluster.connection()) }
        defer { silent.cancel() }
        #expect(await cluster.wait { cluster.coordinator.activeLeases > 0 })
        cluster.startWorker("alive")
        let final = try await cluster.waitForEnd(id)
        #expect(final.state == .succeeded, "\(final.error)")
        #expect(final.retriedChunks >= 1)
        #expect(try cluster.resultWithoutTiming(id) == (try ClusterJobs.localResult(job)))
    }

    /// A chunk that fails on every attempt fails the job with a message naming it.
    @Test func chunkOutOfAttemptsFailsTheJob() async throws {
        let cluster = InProcessCluster(configuration: CoordinatorConfiguration(maxAttempts: 2, poisonWorkers: 5))
        defer { cluster.stop() }
        let id = try cluster.coordinator.submit(try ClusterJobs.quickstart).jobID
        cluster.startHostile(.reportFailure, name: "failing")
        let final = try await cluster.waitForEnd(id)
        #expect(final.state == .failed)
        #expect(final.error.contains("failed 2 times; last error: worker reported: this chunk cannot be computed"), "\(final.error)")
        #expect(throws: ClusterError.self) { try cluster.coordinator.result(job: id) }
    }

    @Test func workerOfAnotherProtocolVersionIsRefused() async throws {
        let cluster = InProcessCluster()
        defer { cluster.stop() }
        let refusal = try await FakeWorker.helloWithVersion(99, over: cluster.connection())
        #expect(refusal?.code == .failedPrecondition)
        #expect(refusal?.message.contains("protocol version 99 is not supported") == true)
        #expect(cluster.coordinator.liveWorkers == 0)
    }

    /// A worker message over the coordinator's limit is refused with RESOURCE_EXHAUSTED,
    /// naming its size on the wire exactly (the size the transport read, not an encoding
    /// of it again); one just under the limit is read. (The in-process transport has no
    /// payload limit of its own, so only the service stands between them here.)
    @Test func aWorkerMessageOverTheLimitIsRefusedWithItsSize() async throws {
        var configuration = CoordinatorConfiguration()
        configuration.limits.maxMessageBytes = 64 * 1024
        let cluster = InProcessCluster(configuration: configuration)
        defer { cluster.stop() }
        func failure(padding: Int) -> Tailgrid_V1_WorkerMessage {
            .with { $0.failure.message = String(repeating: "x", count: padding) }
        }
        let over = failure(padding: 70_000)
        let overBytes = try over.serializedBytes() as [UInt8]
        let refusal = try await FakeWorker.send(over, over: cluster.connection())
        #expect(refusal?.code == .resourceExhausted)
        #expect(refusal?.message.contains("a message of \(overBytes.count) bytes exceeds this coordinator's limit of 65536 bytes") == true,
                "\(refusal?.message ?? "none")")
        let under = failure(padding: 60_000)
        let answer = try await FakeWorker.send(under, over: cluster.connection())
        #expect(answer?.code != .resourceExhausted, "\(answer?.message ?? "none")")
    }

    /// A worker of another engine version (a half-done rolling upgrade), or one that does
    /// not say, would compute other bits: refused before it gets a chunk.
    @Test func workerOfAnotherEngineVersionIsRefused() async throws {
        let cluster = InProcessCluster()
        defer { cluster.stop() }
        for engine in ["0.0.9", "", String(repeating: "9", count: 10_000)] {
            let refusal = try await FakeWorker.helloWithVersion(Tailgrid_V1_ProtocolVersion.current.rawValue, engine: engine, over: cluster.connection())
            #expect(refusal?.code == .failedPrecondition)
            #expect(refusal?.message.contains("differs from this coordinator's \(EngineVersion.current)") == true)
            #expect((refusal?.message.count ?? 0) < 400, "a hostile version string is not echoed whole")
        }
        #expect(cluster.coordinator.liveWorkers == 0)
    }

    /// After shutdown no stream may open: a worker reconnecting at that moment (CI saw one
    /// join 0.1 s after "workers released") would keep the server's graceful shutdown, and
    /// the coordinator process, waiting forever. It gets UNAVAILABLE and tries the
    /// successor; a watcher gets the status and the end of its stream.
    @Test func nothingJoinsOrWatchesAfterShutdown() async throws {
        let cluster = InProcessCluster()
        defer { cluster.stop() }
        let id = try cluster.coordinator.submit(try ClusterJobs.quickstart).jobID
        cluster.coordinator.shutdown()
        let refusal = try await FakeWorker.helloWithVersion(Tailgrid_V1_ProtocolVersion.current.rawValue, over: cluster.connection())
        #expect(refusal?.code == .unavailable)
        #expect(refusal?.message.contains("shutting down") == true, "\(String(describing: refusal))")
        #expect(cluster.coordinator.liveWorkers == 0)
        #expect(try cluster.coordinator.status(job: id).state == .failed, "without a journal shutdown interrupts the job")

        // With a journal the job stays queued through shutdown: a watcher opened then gets
        // its status and the end of the stream, not a registration nothing would finish.
        let folder = NSTemporaryDirectory() + "tailgrid-closed-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let journaled = Coordinator(journal: try Journal(folder: folder))
        let kept = try journaled.submit(try ClusterJobs.quickstart).jobID
        journaled.shutdown()
        let watch = try journaled.watch(job: kept)
        // Checked before reading: a registered watcher would never be finished.
        try #require(journaled.watcherCount == 0)
        var seen: [Tailgrid_V1_JobStatus.State] = []
        for await status in watch { seen.append(status.state) }
        #expect(seen == [.queued])
    }

    @Test func wrongTokenIsUnauthenticatedAndHealthIsOpen() async throws {
        let cluster = InProcessCluster(tokens: ClusterTokens(shared: BearerToken("the-right-token-0123456789")))
        defer { cluster.stop() }
        try await withGRPCClient(transport: cluster.connection()) { client in
            let jobs = Tailgrid_V1_JobService.Client(wrapping: client)
            await #expect(throws: RPCError.self) {
                _ = try await jobs.getStatus(.with { $0.protocolVersion = .current; $0.jobID = "job-x" })
            }
            do {
                _ = try await jobs.getStatus(.with { $0.protocolVersion = .current; $0.jobID = "job-x" })
            } catch let error as RPCError {
                #expect(error.code == .unauthenticated)
            }
            let health = Grpc_Health_V1_Health.Client(wrapping: client)
            #expect(try await health.check(.with { $0.service = "tailgrid.v1.JobService" }).status == .serving)
        }
    }

    /// Every result part and payload part stays under the message limit, even for a book
    /// whose tails and job file need several messages.
    @Test func largeMessagesAreSplit() async throws {
        let limits = ClusterLimits(maxMessageBytes: 64 << 10)
        let cluster = InProcessCluster(configuration: CoordinatorConfiguration(limits: limits))
        defer { cluster.stop() }
        let job = try ClusterJobs.load(BookFixture.yaml(accounts: 400, scenarios: 20_000, chunkSize: 10_000))
        #expect(job.jobBytes.count > limits.partBytes, "the job file needs several payload parts")
        let id = try cluster.coordinator.submit(job).jobID
        cluster.startWorker("w")
        let final = try await cluster.waitForEnd(id)
        #expect(final.state == .succeeded, "\(final.error)")
        #expect(try cluster.resultWithoutTiming(id) == (try ClusterJobs.localResult(job)))
        let plan = try EnginePlan(job.engineJob)
        let summary = ChunkComputer(plan: plan).summarize(plan.chunks.range(ofChunk: 0))
        let parts = Wire.resultParts(summary, leaseID: 1, budget: limits.partBytes)
        #expect(parts.count > 1)
        for part in parts {
            var message = Tailgrid_V1_WorkerMessage()
            message.result = part
            let bytes: [UInt8] = try message.serializedBytes()
            #expect(bytes.count <= limits.maxMessageBytes)
        }
    }
}
