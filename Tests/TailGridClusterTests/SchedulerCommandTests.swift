import Foundation
import Testing
import TailGridCluster
import TailGridProtocol

/// What a scheduler reads: `tailgrid list` and `status` JSON with every field present.
@Suite("Scheduler commands", .serialized)
struct SchedulerCommandTests {
    typealias P = ClusterProcesses

    static func json(_ text: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text)")
        }
        return object
    }

    @Test func listShowsJobsNewestFirstFiltersByStateAndStatusKeepsZeroFields() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        // No workers: the jobs stay queued (or cancelled).
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        let auth = ["--coordinator", address, "--token-file", scratch.tokenFile]
        let first = try await P.run(["submit", "jobs/quickstart.yaml", "--priority", "2"] + auth)
        #expect(first.status == 0, "\(first.errors)")
        let second = try await P.run(["submit", "jobs/quickstart.yaml", "--force-new"] + auth)
        #expect(second.status == 0, "\(second.errors)")
        let (firstID, secondID) = (first.output.trimmingCharacters(in: .whitespacesAndNewlines),
                                   second.output.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(firstID != secondID)
        #expect(try await P.run(["cancel", firstID] + auth).status == 0)

        let all = try await P.run(["list", "--json"] + auth)
        #expect(all.status == 0, "\(all.errors)")
        let listing = try Self.json(all.output)
        let jobs = try #require(listing["jobs"] as? [[String: Any]])
        #expect(jobs.map { $0["job_id"] as? String } == [secondID, firstID])
        #expect(jobs.map { $0["state"] as? String } == ["QUEUED", "CANCELLED"])
        #expect(jobs.map { $0["priority"] as? Int } == [0, 2])
        #expect(listing["truncated"] as? Bool == false)

        let cancelled = try Self.json(try await P.run(["list", "--json", "--state", "cancelled"] + auth).output)
        #expect((cancelled["jobs"] as? [[String: Any]])?.map { $0["job_id"] as? String } == [firstID])
        let limited = try Self.json(try await P.run(["list", "--json", "--limit", "1"] + auth).output)
        #expect((limited["jobs"] as? [[String: Any]])?.map { $0["job_id"] as? String } == [secondID])
        #expect(limited["truncated"] as? Bool == true)

        let table = try await P.run(["list"] + auth)
        let lines = table.output.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix("JOB ") == true)
        #expect(lines[1].hasPrefix(secondID) && lines[1].contains("queued") && lines[1].contains("0/13"))
        #expect(lines[2].hasPrefix(firstID) && lines[2].contains("cancelled"))

        // A queued job's status: every field present, zeros and empty strings included.
        let status = try await P.run(["status", secondID] + auth)
        #expect(status.status == 81)
        let fields = try Self.json(status.output)
        #expect(fields.count == 29, "\(fields.keys.sorted())")
        #expect(fields["chunks_done"] as? Int == 0)
        #expect(fields["chunks_total"] as? Int == 13)
        #expect(fields["started_unix_seconds"] as? Double == 0)
        #expect(fields["error"] as? String == "")
        #expect(fields["interrupted"] as? Bool == false)
        #expect(fields["quarantined_workers"] as? [String] == [])
        #expect((fields["submitted_unix_seconds"] as? Double ?? 0) > 1.7e9)

        // A state outside the enum (a newer or hostile client) matches nothing, and an
        // out-of-range limit is clamped rather than trusted.
        let client = try P.client(scratch, address)
        let unknown = try await client.withConnection { try await $0.list(states: [.UNRECOGNIZED(99)]) }
        #expect(unknown.jobs.isEmpty)
        let everything = try await client.withConnection { try await $0.list(limit: Int(UInt32.max)) }
        #expect(everything.jobs.count == 2)

        #expect(try await P.run(["list", "--limit", "0"] + auth).status == 64)
    }
}
