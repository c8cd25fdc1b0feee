import Foundation
import Testing
import TailGridTestSupport

/// `--log-format json`: every line a coordinator and a worker write is one JSON object
/// with time, level, logger and message, and lines about a job carry its id (and chunk)
/// as fields a log pipeline can index.
@Suite struct JSONLogTests {
    typealias P = ClusterProcesses

    static func objects(_ text: String) -> [[String: Any]]? {
        var objects: [[String: Any]] = []
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["time"] is String, object["level"] is String, object["logger"] is String, object["message"] is String else {
                return nil
            }
            objects.append(object)
        }
        return objects
    }

    @Test func everyLineIsAJSONObjectWithJobFields() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (coordinator, address) = try await P.coordinator(scratch, extra: ["--log-format", "json"])
        defer { coordinator.stop() }
        let worker = try P.Running(["worker", "--coordinator", address, "--token-file", scratch.tokenFile, "--threads", "1", "--name", "w"],
                                   environment: ["TAILGRID_LOG_LEVEL": "debug", "TAILGRID_LOG_FORMAT": "json"])
        defer { worker.stop() }
        let submitted = try await P.run(["submit", "jobs/quickstart.yaml", "--coordinator", address, "--token-file", scratch.tokenFile,
                                         "--wait", "--quiet", "--out", scratch.path("out")])
        #expect(submitted.status == 0, "\(submitted.errors)")
        let id = submitted.output.trimmingCharacters(in: .whitespacesAndNewlines)
        coordinator.signal(SIGTERM)
        #expect(await coordinator.waitForExit(upTo: .seconds(30)) == 0)
        let lines = try #require(Self.objects(coordinator.standardError), "not all JSON: \(coordinator.standardError)")
        let succeeded = try #require(lines.first { ($0["message"] as? String)?.contains("succeeded in") == true })
        #expect(succeeded["job"] as? String == id)
        #expect(succeeded["level"] as? String == "info")
        #expect(succeeded["logger"] as? String == "tailgrid.coordinator")
        #expect(lines.contains { $0["worker"] as? String == "w#1" })
        #expect(await worker.wait { worker.standardError.contains("not reachable") })
        let workerLines = try #require(Self.objects(worker.standardError), "not all JSON: \(worker.standardError)")
        let computing = workerLines.filter { ($0["message"] as? String)?.hasPrefix("computing chunk") == true }
        #expect(computing.count >= 13)
        #expect(computing.allSatisfy { $0["job"] as? String == id && $0["chunk"] is Int && $0["level"] as? String == "debug" })
    }
}
