import Foundation
import Testing
import TailGridTestSupport

/// The shipped Kubernetes manifests pass a schema validator of a current Kubernetes
/// (kubernetes-validate from PyPI, strict: unknown fields are errors), and keep what
/// the coordinator's journal needs: one pod at a time on a persistent volume.
@Suite struct KubernetesManifestTests {
    static let folder = TailGridExecutable.repositoryRoot.appendingPathComponent("cluster/kubernetes")

    /// Runs kubernetes-validate (installed by scripts/test.sh) on `files`.
    static func validate(_ files: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "kubernetes_validate", "--strict", "--kubernetes-version", "1.34"] + files
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test func manifestsValidateStrictly() throws {
        let files = ["coordinator.yaml", "workers.yaml", "secret.yaml"].map { Self.folder.appendingPathComponent($0).path }
        let outcome = try Self.validate(files)
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("passed for resource deployment/tailgrid-coordinator"), "\(outcome.output)")
        #expect(outcome.output.contains("passed for resource persistentvolumeclaim/tailgrid-coordinator-state"), "\(outcome.output)")
    }

    /// The validator is not a formality: a misspelt field fails it.
    @Test func aMisspeltFieldFails() throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("coordinator.yaml"), encoding: .utf8)
        let broken = NSTemporaryDirectory() + "tailgrid-k8s-\(UUID().uuidString).yaml"
        try text.replacingOccurrences(of: "replicas: 1", with: "replica: 1").write(toFile: broken, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: broken) }
        let outcome = try Self.validate([broken])
        #expect(outcome.status != 0, "\(outcome.output)")
    }

    /// The coordinator journals to a PersistentVolumeClaim and is never run twice on it.
    @Test func theCoordinatorKeepsItsJournal() throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("coordinator.yaml"), encoding: .utf8)
        #expect(text.contains("strategy: { type: Recreate }"))
        #expect(text.contains("\"--state\", \"/var/lib/tailgrid\""))
        #expect(text.contains("persistentVolumeClaim: { claimName: tailgrid-coordinator-state }"))
    }
}
