import Foundation
import Testing
import TailGridTestSupport

/// `run --workers 0` shows `submit --wait`'s live progress line on a terminal, and never
/// when standard error is not one (logs and pipes get the table alone).
@Suite struct ProgressLineTests {
    @Test func runShowsTheLiveLineOnATerminalOnly() async throws {
        let out = NSTemporaryDirectory() + "tailgrid-progress-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        // A pseudo-terminal through util-linux's script(1); standard output is dropped.
        let command = "'\(TailGridExecutable.url.path)' run jobs/quickstart.yaml --out '\(out)/tty' 2>&1 >/dev/null"
        let terminal = try await TailGridProcess.run(["-qec", command, "/dev/null"], executable: URL(fileURLWithPath: "/usr/bin/script"))
        #expect(terminal.status == 0, "\(terminal.standardError)")
        let lines = terminal.standardOutput.replacingOccurrences(of: "\r", with: "\n").split(separator: "\n")
        // The same line as submit --wait: job, state, chunks, speed, then threads for workers.
        #expect(lines.contains { $0.contains("quickstart succeeded: chunks 13/13, ") && $0.hasSuffix(" threads") }, "\(lines)")
        #expect(lines.contains { $0.contains("quickstart running: chunks ") && $0.contains(" scenarios/s") }, "\(lines)")

        let piped = try await TailGridProcess.run(["run", "jobs/quickstart.yaml", "--out", out + "/pipe"])
        #expect(piped.status == 0)
        #expect(!piped.standardError.contains("chunks") && !piped.standardOutput.contains("chunks 13/13"), "\(piped.standardError)")
    }
}
