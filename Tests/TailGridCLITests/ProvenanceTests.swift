import Foundation
import Testing
import TailGridTestSupport

/// result.json says which build and machine computed it: the engine version, the OpenBLAS
/// build and the kernel it chose (the one `OPENBLAS_CORETYPE` forces), and the host.
@Suite struct ProvenanceTests {
    static func computedBy(coreType: String?) throws -> [String: String] {
        let out = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        process.executableURL = TailGridProcess.executable
        process.arguments = ["run", "jobs/quickstart.yaml", "--out", out.path, "--quiet"]
        process.currentDirectoryURL = TailGridProcess.repositoryRoot
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = coreType
        process.environment = environment
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("run exited \(process.terminationStatus)") }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("result.json"))) as? [String: Any]
        return json?["computed_by"] as? [String: String] ?? [:]
    }

    @Test func resultsSayWhatComputedThem() throws {
        let natural = try Self.computedBy(coreType: nil)
        #expect(natural["engine_version"]?.isEmpty == false)
        #expect(natural["openblas_config"]?.hasPrefix("OpenBLAS ") == true, "\(natural)")
        #expect(natural["openblas_core"]?.isEmpty == false)
        #expect(natural["host"] == ProcessInfo.processInfo.hostName)
        let forced = try Self.computedBy(coreType: "Sandybridge")
        #expect(forced["openblas_core"] == "Sandybridge", "\(forced)")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
