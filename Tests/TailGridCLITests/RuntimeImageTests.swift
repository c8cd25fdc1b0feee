import Foundation
import Testing
import TailGridTestSupport

/// The Dockerfile's runtime stage, run without a Docker engine (`cluster/test-runtime-image.sh`):
/// a bare Debian bookworm gets the packages `scripts/runtime-libs.sh` derives from `ldd`
/// and the Swift runtime libraries, and runs a job as the manifests' non-root user with
/// the host's result. Not root: the script says SKIPPED and why; as root it must pass.
@Suite struct RuntimeImageTests {
    @Test func theRuntimeStageRunsAJobFromTheDerivedLibrariesAlone() async throws {
        let (status, output) = try await ScriptRun.run("/bin/bash", [TailGridExecutable.repositoryRoot.appendingPathComponent("cluster/test-runtime-image.sh").path,
                                                               TailGridExecutable.url.path])
        print(output.split(separator: "\n").last.map { String($0) } ?? "")
        #expect(status == 0, "\(output)")
        #expect(output.contains("runtime-libs: ") && output.contains(" libraries covered by "), "\(output)")
        if getuid() == 0 {
            #expect(output.contains("test-runtime-image: PASSED"), "root can build the runtime stage here: \(output)")
        } else {
            #expect(output.contains("test-runtime-image: SKIPPED: "), "\(output)")
        }
    }

    /// The Dockerfile builds with the stage and install scripts the test runs, and runs as
    /// the manifests' user.
    @Test func theDockerfileUsesTheTestedScripts() throws {
        let text = try String(contentsOf: TailGridExecutable.repositoryRoot.appendingPathComponent("Dockerfile"), encoding: .utf8)
        #expect(text.contains("scripts/runtime-libs.sh check"))
        #expect(text.contains("scripts/runtime-libs.sh stage"))
        #expect(text.contains("install-runtime.sh"))
        #expect(text.contains("USER 10001:10001"))
        let manifests = try String(contentsOf: TailGridExecutable.repositoryRoot.appendingPathComponent("cluster/kubernetes/workers.yaml"), encoding: .utf8)
        #expect(manifests.contains("runAsUser: 10001"))
    }
}
