import Foundation
import Testing
import TailGridTestSupport

/// The numpy peer (`Benchmarks/peer`) computes the same contract: on the small reference
/// book its ES agrees with TailGrid's for every account within 4.5 combined standard
/// errors (`compare.py`, which the README's performance table comes from), and the check
/// has teeth: the peer on the book with BTC's vol raised from 0.55 to 0.85 is refused.
@Suite struct PeerAgreementTests {
    static func python(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await ScriptRun.run("python3", arguments)
    }

    @Test func thePeerAgreesOnTheSmallBookAndTheCheckCanFail() async throws {
        let work = NSTemporaryDirectory() + "tailgrid-peer-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: work) }
        let compared = try await Self.python(["Benchmarks/peer/compare.py", "--runs", "1", "--books", "small", "--work", work,
                                        "--tailgrid", TailGridExecutable.url.path])
        #expect(compared.status == 0, "\(compared.output)")
        #expect(compared.output.contains("20 accounts") && compared.output.contains("0 beyond 4.5"), "\(compared.output)")

        let job = try String(contentsOfFile: work + "/small/job.yaml", encoding: .utf8)
        #expect(job.contains("    BTC:\n      spot: 97600\n      vol: 0.55\n"))
        let wrong = job.replacingOccurrences(of: "    BTC:\n      spot: 97600\n      vol: 0.55\n", with: "    BTC:\n      spot: 97600\n      vol: 0.85\n")
        try wrong.write(toFile: work + "/small/wrong.yaml", atomically: true, encoding: .utf8)
        let peer = try await Self.python(["Benchmarks/peer/peer.py", work + "/small/wrong.yaml", "--out", work + "/wrong.json", "--processes", "1"])
        #expect(peer.status == 0, "\(peer.output)")
        let check = try await Self.python(["-c", """
            import sys; sys.path.insert(0, "Benchmarks/peer"); import compare
            z = compare.agreement(sys.argv[1], sys.argv[2])
            print("beyond", sum(abs(v) > compare.TOLERANCE for v in z.values()))
            """, work + "/small/tailgrid-out/accounts.csv", work + "/wrong.json"])
        let beyond = Int(check.output.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        #expect(beyond >= 5, "a wrong vol must be seen: \(check.output)")
    }
}
