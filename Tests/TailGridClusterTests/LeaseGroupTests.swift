import Foundation
import Testing
import TailGridCluster
import TailGridProtocol

/// Groups of leases: workers that take them get many short chunks in one message and
/// answer them in one; the leases stay their own, so the result is the same bits.
@Suite("Groups of leases")
struct LeaseGroupTests {
    /// 98 chunks of 4,096 scenarios on two workers. With groups (sized for 30 s of work,
    /// so capped at 64 leases once a chunk's compute time is known) the chunk summaries
    /// come in far fewer messages than chunks: the first leases go singly, then two or
    /// three groups per worker, and audits. Without them (a group time of 0) each chunk is
    /// a message of its own. Both give the in-process result byte for byte.
    @Test func groupsGiveTheSameBitsInFewMessages() async throws {
        let job = try ClusterJobs.load(try ClusterJobs.quickstartYAML(scenarios: 400_000, chunkSize: 4096))
        let local = try ClusterJobs.localResult(job)
        for grouped in [true, false] {
            var configuration = CoordinatorConfiguration()
            configuration.leaseGroupSeconds = grouped ? .seconds(30) : .zero
            let cluster = InProcessCluster(configuration: configuration)
            defer { cluster.stop() }
            cluster.startWorker("a")
            cluster.startWorker("b")
            let id = try cluster.coordinator.submit(job).jobID
            let final = try await cluster.waitForEnd(id)
            #expect(final.state == .succeeded, "\(final.error)")
            #expect(final.chunksTotal == 98)
            #expect(try cluster.resultWithoutTiming(id) == local)
            if grouped {
                #expect(final.resultMessages * 4 <= UInt64(final.chunksTotal), "\(final.resultMessages) messages for \(final.chunksTotal) chunks")
            } else {
                #expect(final.resultMessages >= UInt64(final.chunksTotal), "\(final.resultMessages) messages for \(final.chunksTotal) chunks")
            }
        }
    }

    /// A worker's reported compute time sizes the groups and nothing else: zero, negative,
    /// not a number, infinite, tiny or huge times from a worker (here the same worker
    /// lying on every chunk) leave the result as it is.
    @Test(arguments: [0, -1, Double.nan, Double.infinity, 1e-300, 1e300])
    func lyingComputeTimesMoveNoResult(seconds: Double) async throws {
        let job = try ClusterJobs.load(try ClusterJobs.quickstartYAML(scenarios: 100_000, chunkSize: 4096))
        var configuration = CoordinatorConfiguration()
        configuration.auditFraction = 0
        let cluster = InProcessCluster(configuration: configuration)
        defer { cluster.stop() }
        cluster.startHostile(.computeSeconds(seconds), name: "liar")
        cluster.startWorker("honest")
        let id = try cluster.coordinator.submit(job).jobID
        let final = try await cluster.waitForEnd(id)
        #expect(final.state == .succeeded, "\(final.error)")
        #expect(try cluster.resultWithoutTiming(id) == (try ClusterJobs.localResult(job)))
    }

    /// A group of leases stays within a part's bytes (a quarter of the coordinator's
    /// message limit) whatever compute times workers report: the floors of 2,500 accounts
    /// are 20 KB a lease, and 64 leases (the group a tiny reported time asks for) made 1.3
    /// MB. The groups are cut to the bytes, not given up.
    @Test func groupsStayWithinAPartsBytes() async throws {
        let job = try ClusterJobs.load(BookFixture.yaml(accounts: 2500, scenarios: 256 * 100, chunkSize: 256))
        var configuration = CoordinatorConfiguration()
        configuration.auditFraction = 0
        let cluster = InProcessCluster(configuration: configuration)
        defer { cluster.stop() }
        let liar = cluster.startHostile(.computeSeconds(1e-300), name: "liar")
        let id = try cluster.coordinator.submit(job).jobID
        let final = try await cluster.waitForEnd(id)
        #expect(final.state == .succeeded, "\(final.error)")
        #expect(try cluster.resultWithoutTiming(id) == (try ClusterJobs.localResult(job)))
        let largest = liar.largestMessage.withLock { $0 }
        #expect(largest <= configuration.limits.partBytes, "\(largest) bytes")
        #expect(liar.largestGroup.withLock { $0 } >= 8)
    }

    /// Groups of results that answer nothing: no parts at all, or parts naming leases the
    /// sender does not hold (lease 1 went to the other worker or is done; 10^9 is
    /// nobody's), sent before every honest answer. They are read and dropped, the sender
    /// is neither refused nor quarantined, and the job is the in-process bits.
    @Test func groupedResultsForNoLeaseOfTheSenderAreDropped() async throws {
        let job = try ClusterJobs.load(try ClusterJobs.quickstartYAML(scenarios: 100_000, chunkSize: 8192))
        var configuration = CoordinatorConfiguration()
        configuration.auditFraction = 0
        let cluster = InProcessCluster(configuration: configuration)
        defer { cluster.stop() }
        cluster.startWorker("honest")
        let stray = cluster.startHostile(.strayResults, name: "stray")
        let id = try cluster.coordinator.submit(job).jobID
        let final = try await cluster.waitForEnd(id)
        #expect(final.state == .succeeded, "\(final.error)")
        #expect(try cluster.resultWithoutTiming(id) == (try ClusterJobs.localResult(job)))
        #expect(stray.assignmentCount > 0)
        #expect(final.quarantinedWorkers.isEmpty && cluster.coordinator.quarantinedWorkers.isEmpty)
    }
}
