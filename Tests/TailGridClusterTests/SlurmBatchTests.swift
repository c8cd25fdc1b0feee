import Foundation
import Testing
import TailGridTestSupport

/// `cluster/test-slurm.sh`: the shipped sbatch under a real one-node Slurm (installed from
/// apt when it can be), its result against `run --workers 0`. A machine that cannot run
/// Slurm prints why and the test says so; it never passes silently.
@Suite struct SlurmBatchTests {
    @Test func theSbatchRunsUnderSlurm() async throws {
        let (status, output) = try await ScriptRun.run("/bin/bash", [TailGridExecutable.repositoryRoot.appendingPathComponent("cluster/test-slurm.sh").path,
                                                               TailGridExecutable.url.path])
        print(output.split(separator: "\n").last.map { String($0) } ?? "")
        #expect(status == 0, "\(output)")
        #expect(output.contains("test-slurm: PASSED") || output.contains("test-slurm: SKIPPED: "), "\(output)")
        if getuid() == 0 { #expect(output.contains("test-slurm: PASSED"), "root can run Slurm here: \(output)") }
    }
}
