import Foundation
import Synchronization
import Testing
import TailGridCluster
import TailGridProtocol

/// What a job's watchers hear: a change of state at once, progress at most once per
/// `statusInterval`, and progress held back sent by the coordinator's timer, so a job of
/// thousands of short chunks does not send every watcher a status per lease and result.
@Suite("Status publishing")
struct StatusPublishingTests {
    /// The quickstart book in 98 chunks of 1,024 scenarios, on two workers, watched with a
    /// 30 s interval: the watcher hears the status when it starts watching, the first
    /// change after it, and the end. Each lease and each result published one status
    /// before (about 200 here).
    @Test func aJobOfManyChunksSendsItsWatcherFewStatuses() async throws {
        var configuration = CoordinatorConfiguration()
        configuration.statusInterval = .seconds(30)
        let cluster = InProcessCluster(configuration: configuration)
        defer { cluster.stop() }
        let job = try ClusterJobs.load(try ClusterJobs.quickstartYAML(scenarios: 100_000, chunkSize: 1024))
        let id = try cluster.coordinator.submit(job).jobID
        var heard: [Tailgrid_V1_JobStatus] = []
        let watch = try cluster.coordinator.watch(job: id)
        for index in 0..<2 { cluster.startWorker("w\(index)") }
        for await status in watch { heard.append(status) }
        let final = try #require(heard.last)
        #expect(final.state == .succeeded, "\(final.error)")
        #expect(final.chunksTotal == 98 && final.chunksDone == 98)
        #expect(heard.count <= 3, "\(heard.count) statuses: \(heard.map(\.chunksDone))")
    }

    /// A job paused with one chunk held by a worker that never finishes it (speculation
    /// waits an hour): its progress until the pause, held back by a 300 ms interval
    /// (the other chunks end within it), reaches the watcher by the timer. Without the
    /// timer's `publishOwed` the watcher stays at the count of its first status.
    @Test func progressHeldBackReachesTheWatcherByTheTimer() async throws {
        var configuration = CoordinatorConfiguration(heartbeatInterval: .milliseconds(50), leaseTimeout: .seconds(60),
                                                     minimumSpeculationDelay: .seconds(3600), auditFraction: 0)
        configuration.statusInterval = .milliseconds(300)
        let cluster = InProcessCluster(configuration: configuration)
        defer { cluster.stop() }
        cluster.startTimers()
        let staller = cluster.startHostile(.heartbeatOnly, name: "staller")
        #expect(await cluster.wait { cluster.coordinator.liveWorkers == 1 })
        let job = try ClusterJobs.load(try ClusterJobs.quickstartYAML(scenarios: 20_000, chunkSize: 1024))
        let id = try cluster.coordinator.submit(job).jobID
        #expect(await cluster.wait { staller.assignmentCount >= 1 })
        let latest = Mutex<Tailgrid_V1_JobStatus?>(nil)
        let watching = Task {
            for await status in try cluster.coordinator.watch(job: id) { latest.withLock { $0 = status } }
        }
        defer { watching.cancel() }
        cluster.startWorker("alive")
        // Every chunk but the staller's is done; the job waits on it.
        let total = Int(try cluster.coordinator.status(job: id).chunksTotal)
        #expect(try await cluster.wait { try cluster.coordinator.status(job: id).chunksDone == total - 1 })
        let heard = await cluster.wait(upTo: .seconds(10)) { latest.withLock { $0?.chunksDone } == UInt32(total - 1) }
        #expect(heard, "the watcher heard \(latest.withLock { $0?.chunksDone ?? 0 }) of \(total - 1) chunks done")
        #expect(try cluster.coordinator.status(job: id).state == .running)
    }
}
