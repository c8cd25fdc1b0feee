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
        try ScriptRun.run("python3", ["-m", "kubernetes_validate", "--strict", "--kubernetes-version", "1.34"] + files)
    }

    static let manifests = ["coordinator.yaml", "workers.yaml", "secret.yaml", "submit-job.yaml"]

    /// Runs a Python script (PyYAML, installed by scripts/test.sh) on the manifests.
    static func python(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try ScriptRun.run("python3", ["-c", script] + arguments)
    }

    @Test func manifestsValidateStrictly() throws {
        let files = Self.manifests.map { Self.folder.appendingPathComponent($0).path }
        let outcome = try Self.validate(files)
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("passed for resource deployment/tailgrid-coordinator"), "\(outcome.output)")
        #expect(outcome.output.contains("passed for resource persistentvolumeclaim/tailgrid-coordinator-state"), "\(outcome.output)")
    }

    /// Every pod template meets the Pod Security Standard "restricted" (v1.34): non-root,
    /// seccomp RuntimeDefault, no privilege escalation, every capability dropped; and a
    /// read-only root filesystem, CPU and memory limits, and a token the non-root user can
    /// read (group-readable through fsGroup).
    @Test func podsMeetTheRestrictedProfile() throws {
        let script = #"""
        import sys, yaml
        problems = []
        pods = 0
        for path in sys.argv[1:]:
            for doc in yaml.safe_load_all(open(path)):
                if not doc or doc["kind"] not in ("Deployment", "Job"):
                    continue
                pods += 1
                name = path + ":" + doc["metadata"]["name"]
                spec = doc["spec"]["template"]["spec"]
                pod = spec.get("securityContext", {})
                if pod.get("runAsNonRoot") is not True: problems.append(name + ": runAsNonRoot")
                if not pod.get("runAsUser"): problems.append(name + ": runAsUser")
                if pod.get("seccompProfile", {}).get("type") != "RuntimeDefault": problems.append(name + ": seccomp")
                for volume in spec.get("volumes", []):
                    if "secret" in volume:
                        mode = volume["secret"].get("defaultMode", 0o644)
                        if not (mode & 0o040 and pod.get("fsGroup")): problems.append(name + ": the secret is unreadable by the non-root user")
                for container in spec["containers"]:
                    c = container.get("securityContext", {})
                    if c.get("allowPrivilegeEscalation") is not False: problems.append(name + ": allowPrivilegeEscalation")
                    if c.get("capabilities", {}).get("drop") != ["ALL"]: problems.append(name + ": capabilities")
                    if c.get("readOnlyRootFilesystem") is not True: problems.append(name + ": readOnlyRootFilesystem")
                    limits = container.get("resources", {}).get("limits", {})
                    if "cpu" not in limits or "memory" not in limits: problems.append(name + ": limits")
        print("pods", pods)
        print(chr(10).join(problems))
        sys.exit(1 if problems else 0)
        """#
        let outcome = try Self.python(script, Self.manifests.map { Self.folder.appendingPathComponent($0).path })
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("pods 3"), "\(outcome.output)")
    }

    /// The example batch's job file (in its ConfigMap) is a valid job.
    @Test func theExampleBatchJobIsValid() async throws {
        let job = NSTemporaryDirectory() + "tailgrid-k8s-job-\(UUID().uuidString).yaml"
        defer { try? FileManager.default.removeItem(atPath: job) }
        let extract = """
            import sys, yaml
            for doc in yaml.safe_load_all(open(sys.argv[1])):
                if doc and doc["kind"] == "ConfigMap":
                    open(sys.argv[2], "w").write(doc["data"]["job.yaml"])
            """
        let extracted = try Self.python(extract, [Self.folder.appendingPathComponent("submit-job.yaml").path, job])
        #expect(extracted.status == 0, "\(extracted.output)")
        let validated = try await TailGridProcess.run(["validate", job])
        #expect(validated.status == 0, "\(validated.standardError)")
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

    /// The coordinator journals to a PersistentVolumeClaim and is never run twice on it;
    /// workers take their thread count from their CPU limit.
    @Test func theCoordinatorKeepsItsJournal() throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("coordinator.yaml"), encoding: .utf8)
        #expect(text.contains("strategy: { type: Recreate }"))
        #expect(text.contains("\"--state\", \"/var/lib/tailgrid\""))
        #expect(text.contains("persistentVolumeClaim: { claimName: tailgrid-coordinator-state }"))
        let workers = try String(contentsOf: Self.folder.appendingPathComponent("workers.yaml"), encoding: .utf8)
        #expect(workers.contains("\"--threads\", \"$(TAILGRID_THREADS)\"") && workers.contains("resource: limits.cpu"))
        // The readiness probe asks the port the worker serves its health on
        // (WorkerReadinessTests runs that endpoint).
        #expect(workers.contains("\"--health-listen\", \"0.0.0.0:8081\"") && workers.contains("grpc: { port: 8081 }"))
    }
}
