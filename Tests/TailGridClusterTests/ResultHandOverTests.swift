import Foundation
import Testing
import TailGridCluster
import TailGridJob

/// The result a coordinator hands to a caller in its own process (`tailgrid run --workers
/// N`) as a value instead of result.json to decode: the same result, held only until it
/// is fetched.
@Suite("Result handed over in process")
struct ResultHandOverTests {
    /// Watched to its end, the job's first fetch brings the result as a value, equal to
    /// result.json decoded; the second brings the same files and no value.
    @Test func theFirstFetchAfterAWatchedEndBringsTheDecodedResult() async throws {
        let cluster = InProcessCluster()
        defer { cluster.stop() }
        // Watched before any worker can end it.
        let id = try cluster.coordinator.submit(try ClusterJobs.quickstart).jobID
        let watch = try cluster.coordinator.watch(job: id)
        cluster.startWorker("w0")
        cluster.startWorker("w1")
        var final = try cluster.coordinator.status(job: id)
        for await status in watch { final = status }
        #expect(final.state == .succeeded, "\(final.error)")
        let (files, document) = try cluster.coordinator.resultWithDocument(job: id)
        let handed = try #require(document)
        #expect(handed == (try JSONDecoder().decode(ResultDocument.self, from: files.json)))
        #expect(try ResultWriter.jsonData(handed) == files.json)
        let again = try cluster.coordinator.resultWithDocument(job: id)
        #expect(again.document == nil, "held only until the first fetch")
        #expect(again.files == files)
    }

    /// Nobody watched: the coordinator kept no value, only the files.
    @Test func anUnwatchedJobKeepsNoValue() async throws {
        let cluster = InProcessCluster()
        defer { cluster.stop() }
        cluster.startWorker("w0")
        let id = try cluster.coordinator.submit(try ClusterJobs.quickstart).jobID
        #expect(try await cluster.wait { try cluster.coordinator.status(job: id).state == .succeeded })
        let (files, document) = try cluster.coordinator.resultWithDocument(job: id)
        #expect(document == nil)
        #expect(!files.json.isEmpty)
    }
}
