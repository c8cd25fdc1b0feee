import Foundation
import Testing
import TailGridCluster
import TailGridEngine
import TailGridJob
import TailGridJournal
import TailGridProtocol

/// What a coordinator reads back from its journal is checked like anything from outside:
/// a job whose bytes no longer make a job fails, saying why; a chunk that does not decode,
/// has the wrong accounts or names a chunk the job does not have is discarded and
/// computed again; the rest resumes.
@Suite struct JournalResumeTests {
    @Test func damagedJournalEntriesFailOrAreComputedAgain() throws {
        let folder = NSTemporaryDirectory() + "tailgrid-resume-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let job = try ClusterJobs.quickstart
        let good: String
        do {
            let journal = try Journal(folder: folder)
            let coordinator = Coordinator(journal: journal)
            good = try coordinator.submit(job).jobID
            let broken = JournaledJob(id: "job-broken", sequence: 99, priority: 0, name: "broken", path: "broken.yaml",
                                      inputSHA256: "00", engineVersion: EngineVersion.current, jobYAML: Data("job: [unclosed".utf8),
                                      positionsCSV: nil, inputs: [], pilotFloors: nil, scenarios: 1000, chunkSize: 100,
                                      accountCount: 1, submittedAt: Date())
            try journal.write([.accepted(broken),
                               .chunk(job: good, index: 0, summary: { Data("not a protobuf message at all \u{FF}".utf8) }),
                               .chunk(job: good, index: 1, summary: { Data() }),
                               .chunk(job: good, index: 999, summary: { Data() })])
        }
        let coordinator = Coordinator(journal: try Journal(folder: folder))
        let report = try coordinator.resume()
        #expect(report.jobsResumed == 1)
        #expect(report.jobsFailed == 1)
        #expect(report.chunksRestored == 0)
        #expect(report.chunksDiscarded == 3)
        let failed = try coordinator.status(job: "job-broken")
        #expect(failed.state == .failed)
        #expect(failed.error.contains("could not be resumed from the journal"), "\(failed.error)")
        let resumed = try coordinator.status(job: good)
        #expect(resumed.state == .queued)
        #expect(resumed.chunksDone == 0 && resumed.chunksTotal == 13)
        // The failure and the discarded chunks are journaled: a second restart agrees.
        _ = consume coordinator
        let again = Coordinator(journal: try Journal(folder: folder))
        let second = try again.resume()
        #expect(second.jobsResumed == 1 && second.jobsFailed == 0 && second.jobsFinished == 1 && second.chunksDiscarded == 0)
    }

    /// Stress batches are journaled as units after the job's chunks (unit 2 and 3 of a
    /// job of two chunks): a sound one is merged when the coordinator resumes, one of the
    /// wrong size is discarded and computed again, and the result is the in-process one.
    @Test func journaledStressBatchesResume() async throws {
        let folder = NSTemporaryDirectory() + "tailgrid-resume-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let job = try ClusterJobs.stressed(scenarios: 8192, chunkSize: 4096)
        let plan = try EnginePlan(job.engineJob)
        #expect(plan.units.count == 4 && plan.units.isStress(2) && !plan.units.isStress(1))
        guard case .stress(let first) = plan.units.unit(2) else { Issue.record("unit 2 is not a stress batch"); return }
        let batch = job.engineJob.stress.batch(first, plan: plan)
        let sound = try Tailgrid_V1_StressResultPart.with { $0.losses = batch.losses; $0.last = true }.serializedBytes() as Data
        let short = try Tailgrid_V1_StressResultPart.with { $0.losses = Array(batch.losses.dropLast()); $0.last = true }.serializedBytes() as Data
        let id: String
        do {
            let journal = try Journal(folder: folder)
            id = try Coordinator(journal: journal).submit(job).jobID
            try journal.write([.chunk(job: id, index: 2, summary: { sound }), .chunk(job: id, index: 3, summary: { short })])
        }
        let cluster = InProcessCluster(journal: try Journal(folder: folder))
        defer { cluster.stop() }
        let report = try cluster.coordinator.resume()
        #expect(report.jobsResumed == 1 && report.stressBatchesRestored == 1 && report.chunksDiscarded == 1 && report.chunksRestored == 0)
        cluster.startWorker("w0")
        let final = try await cluster.waitForEnd(id)
        #expect(final.state == .succeeded, "\(final.error)")
        #expect(try cluster.resultWithoutTiming(id) == (try ClusterJobs.localResult(job)))
    }

    /// `job` submitted to a coordinator journaling in `folder`, `summary` journaled as chunk
    /// `chunk` with `floors`, and a cluster on that journal resumed (no worker yet).
    static func resumed(_ job: LoadedJob, folder: String, chunk: Int, floors: [Double], summary: ChunkSummary) throws
        -> (cluster: InProcessCluster, id: String, report: Coordinator.ResumeReport) {
        var part = try #require(Wire.resultParts(summary, leaseID: 0, budget: .max).first)
        part.floors = floors
        let bytes: Data = try part.serializedBytes()
        let id: String
        do {
            let journal = try Journal(folder: folder)
            id = try Coordinator(journal: journal).submit(job).jobID
            try journal.write([.chunk(job: id, index: chunk, summary: { bytes })])
        }
        let cluster = InProcessCluster(journal: try Journal(folder: folder))
        return (cluster, id, try cluster.coordinator.resume())
    }

    /// A chunk is journaled with the floors its lease was computed with. One journaled with
    /// a floor above an account's (k/2)-th largest loss (so that loss was never shipped) is
    /// merged on resume with its floors: once the other chunks are in, the merge's check
    /// sees the floor above the k-th, and the job is computed again without speculative
    /// floors, to the in-process result. Read without its floors, the chunk would leave a
    /// full tail lacking that loss, and a wrong margin.
    @Test func journaledFloorsAreCheckedOnResume() async throws {
        let folder = NSTemporaryDirectory() + "tailgrid-resume-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let job = try ClusterJobs.load(BookFixture.yaml(accounts: 20, scenarios: 20_000, chunkSize: 4096))
        let plan = try EnginePlan(job.engineJob)
        let computer = ChunkComputer(plan: plan)
        var truth = SummaryMerger(plan: plan)
        for chunk in 0..<plan.chunks.chunkCount { try truth.merge(chunk: chunk, computer.summarize(plan.chunks.range(ofChunk: chunk))) }
        let missing = truth.summaries()[0].tail[plan.tailCapacity / 2]
        let holding = try #require((0..<plan.chunks.chunkCount).first { plan.chunks.range(ofChunk: $0).contains(missing.scenario) })
        var floors = Array(repeating: -Double.infinity, count: plan.lossRowCount)
        floors[0] = missing.loss.nextUp
        let (cluster, id, report) = try Self.resumed(job, folder: folder, chunk: holding, floors: floors,
                                                     summary: computer.summarize(plan.chunks.range(ofChunk: holding), floors: floors))
        defer { cluster.stop() }
        #expect(report.jobsResumed == 1 && report.chunksRestored == 1 && report.chunksDiscarded == 0)
        cluster.startWorker("w0")
        cluster.startWorker("w1")
        let final = try await cluster.waitForEnd(id)
        #expect(final.state == .succeeded, "\(final.error)")
        #expect(try cluster.resultWithoutTiming(id) == (try ClusterJobs.localResult(job)))
    }

    /// The floors a journaled chunk carries are checked like the rest of it: a count that is
    /// not one per account discards the chunk (computed again); NaN floors are no floor;
    /// floors of 1e308 (no loss reaches them) make the end's check fail, and the job is
    /// computed again without speculation. Each way the result is the in-process one.
    @Test(arguments: ["count", "nan", "huge"])
    func damagedJournaledFloorsAreRefusedOrHarmless(damage: String) async throws {
        let folder = NSTemporaryDirectory() + "tailgrid-resume-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let job = try ClusterJobs.load(BookFixture.yaml(accounts: 20, scenarios: 20_000, chunkSize: 4096))
        let plan = try EnginePlan(job.engineJob)
        let floors: [Double] = switch damage {
        case "count": Array(repeating: 0, count: plan.lossRowCount + 1)
        case "nan": Array(repeating: .nan, count: plan.lossRowCount)
        default: Array(repeating: 1e308, count: plan.lossRowCount)
        }
        let (cluster, id, report) = try Self.resumed(job, folder: folder, chunk: 1, floors: floors,
                                                     summary: ChunkComputer(plan: plan).summarize(plan.chunks.range(ofChunk: 1)))
        defer { cluster.stop() }
        #expect(report.chunksRestored == (damage == "count" ? 0 : 1) && report.chunksDiscarded == (damage == "count" ? 1 : 0))
        cluster.startWorker("w0")
        let final = try await cluster.waitForEnd(id)
        #expect(final.state == .succeeded, "\(final.error)")
        #expect(try cluster.resultWithoutTiming(id) == (try ClusterJobs.localResult(job)))
    }

    /// Replays are journaled as units after the stress batches. An explaining job whose
    /// chunks, stress batches and replays were all journaled resumes to its result with
    /// no worker at all: its replays wait until the merge is complete, are checked against
    /// the tails like a worker's, and merged. A replay journaled for the wrong scenarios
    /// (chunk 0's sums under chunk 1's unit) is refused and a worker computes it again. The
    /// explanation is the in-process one both times.
    @Test(arguments: [false, true])
    func journaledReplaysResume(oneForged: Bool) async throws {
        let folder = NSTemporaryDirectory() + "tailgrid-resume-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let job = try ClusterJobs.stressed(scenarios: 8192, chunkSize: 4096)
        let plan = try EnginePlan(job.engineJob)
        let units = plan.units(explaining: true)
        #expect(units.count == 6 && units.firstReplay == 4)
        let local = try LocalRunner(plan: plan, threads: 2).run(explaining: nil)
        let explanation = ExplanationDocument(plan: plan, explanations: local.explanations, risks: local.result.accounts)
        // Every unit's bytes as the coordinator journals them: one part holding every account.
        let computer = ChunkComputer(plan: plan)
        let attribution = TailAttribution(plan: plan)
        let tails = try LocalRunner(plan: plan, threads: 2).tails()
        let bars = try attribution.bars(accounts: Array(plan.job.accounts.indices), tails: tails)
        var entries: [(Int, Data)] = []
        for index in 0..<units.count {
            let bytes: Data
            switch units.unit(index) {
            case .scenarios(let range):
                bytes = try #require(Wire.resultParts(computer.summarize(range), leaseID: 0, budget: .max).first).serializedBytes()
            case .stress(let range):
                bytes = try #require(Wire.stressParts(job.engineJob.stress.batch(range, plan: plan), leaseID: 0, budget: .max).first)
                    .serializedBytes()
            case .replay(let range):
                let replayed = oneForged && index == 5 ? plan.chunks.range(ofChunk: 0) : range
                bytes = try #require(Wire.replayParts(try attribution.replay(replayed, bars: bars), leaseID: 0, budget: .max).first)
                    .serializedBytes()
            }
            entries.append((index, bytes))
        }
        let id: String
        do {
            let journal = try Journal(folder: folder)
            id = try Coordinator(journal: journal).submit(job, explain: true).jobID
            try journal.write(entries.map { index, bytes in .chunk(job: id, index: index, summary: { bytes }) })
        }
        let cluster = InProcessCluster(journal: try Journal(folder: folder))
        defer { cluster.stop() }
        let report = try cluster.coordinator.resume()
        #expect(report.jobsResumed == 1 && report.chunksRestored == 2 && report.stressBatchesRestored == 2 && report.chunksDiscarded == 0)
        // With every unit journaled nothing is left to compute: the job ended in the resume.
        // The refused replay is computed by a worker (started too if the first case fails,
        // so a failure cannot leave the test waiting).
        let resumed = try cluster.coordinator.status(job: id).state
        #expect(oneForged ? resumed != .succeeded : resumed == .succeeded, "\(resumed)")
        if resumed != .succeeded { cluster.startWorker("w0") }
        let final = try await cluster.waitForEnd(id)
        #expect(final.state == .succeeded, "\(final.error)")
        let files = try cluster.coordinator.result(job: id)
        #expect(files.explainJSON == (try explanation.jsonData()))
        #expect(files.contributionsCSV == explanation.csvData())
        #expect(try cluster.resultWithoutTiming(id) == (try ClusterJobs.localResult(job)))
    }

    /// A job submitted with explain, as a variant of 6,144 of its 8,192 scenarios, and
    /// interrupted before any chunk resumes explaining that variant; once it succeeded, a
    /// coordinator opening the journal again still serves its explain.json and
    /// contributions.csv, the in-process ones.
    @Test func anExplainedJobResumesAndKeepsItsExplanation() async throws {
        let folder = NSTemporaryDirectory() + "tailgrid-resume-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let written = try ClusterJobs.stressed(scenarios: 8192, chunkSize: 4096)
        let job = try JobFile.parse(jobBytes: written.jobBytes, path: written.path, positions: nil, variant: JobVariant(scenarios: 6144))
        #expect(job.engineJob.scenarios == 6144)
        let plan = try EnginePlan(job.engineJob)
        let local = try LocalRunner(plan: plan, threads: 2).run(explaining: nil)
        let explanation = ExplanationDocument(plan: plan, explanations: local.explanations, risks: local.result.accounts)
        let id: String
        do {
            let journal = try Journal(folder: folder)
            id = try Coordinator(journal: journal).submit(job, explain: true).jobID
        }
        do {
            let cluster = InProcessCluster(journal: try Journal(folder: folder))
            defer { cluster.stop() }
            #expect(try cluster.coordinator.resume().jobsResumed == 1)
            cluster.startWorker("w0")
            let final = try await cluster.waitForEnd(id)
            #expect(final.state == .succeeded, "\(final.error)")
        }
        // The stopped cluster's last tasks let go of its journal (and the folder's lock).
        var reopened: Journal?
        for _ in 0..<300 where reopened == nil {
            reopened = try? Journal(folder: folder)
            if reopened == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let again = Coordinator(journal: try #require(reopened))
        #expect(try again.resume().jobsFinished == 1)
        let files = try again.result(job: id)
        #expect(files.explainJSON == (try explanation.jsonData()))
        #expect(files.contributionsCSV == explanation.csvData())
    }

    /// Rows whose sizes no job can have (negative or absurd scenario, chunk and account
    /// counts: damage, or a hand-edited database) are not planned: the job fails, saying
    /// so, and is not restored with those sizes, at every later restart either.
    @Test func jobsWithImpossibleSizesFailWithoutBeingRestored() throws {
        let folder = NSTemporaryDirectory() + "tailgrid-resume-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let yaml = try ClusterJobs.quickstart.jobBytes
        do {
            let journal = try Journal(folder: folder)
            for (index, sizes) in [(-1, 100, 1), (1000, 0, 1), (1000, 100, -3), (Int.max, 1, 1)].enumerated() {
                try journal.write([.accepted(JournaledJob(
                    id: "job-impossible-\(index)", sequence: index, priority: 0, name: "impossible", path: "impossible.yaml",
                    inputSHA256: "00", engineVersion: EngineVersion.current, jobYAML: yaml, positionsCSV: nil, inputs: [],
                    pilotFloors: nil, scenarios: sizes.0, chunkSize: sizes.1, accountCount: sizes.2, submittedAt: Date()))])
            }
        }
        for _ in 0..<2 {
            let coordinator = Coordinator(journal: try Journal(folder: folder))
            let report = try coordinator.resume()
            #expect(report.jobsResumed == 0)
            for index in 0..<4 {
                #expect(throws: ClusterError.self) { try coordinator.status(job: "job-impossible-\(index)") }
            }
        }
    }
}
