import Foundation
import Testing
import TailGridTestSupport

/// The kernels built for any x86-64 (`TAILGRID_TARGET_CPU=generic`, SSE2, two doubles
/// wide) and for Haswell (AVX2 and FMA, four wide) give the same bits: a cluster may mix
/// both. `scripts/test.sh` builds the generic binary into `.build-generic` first and sets
/// TAILGRID_REQUIRE_GENERIC_BUILD=1; run alone without it, the test says it skipped.
@Suite struct CPUTargetTests {
    static let generic = TailGridExecutable.repositoryRoot.appendingPathComponent(".build-generic/release/tailgrid").path

    /// Instructions on 256-bit registers in the numeric kernels' functions (TailGridNumerics,
    /// TailGridMarket, TailGridEngine): the code TAILGRID_TARGET_CPU builds. (BoringSSL, linked
    /// in too, carries AVX2 assembly chosen at run time in either build.)
    static func wideInstructions(_ path: String) async throws -> Int {
        let (_, output) = try await ScriptRun.run("/bin/sh", ["-c", "objdump -d --no-show-raw-insn '\(path)' | awk '/^[0-9a-f]+ <.*>:$/ { own = ($0 ~ /TailGrid(Numerics|Engine|Market)/); next } own && /%ymm/ { n++ } END { print n + 0 }'"])
        return Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    @Test func genericAndHaswellBuildsGiveTheSameBits() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.generic) else {
            if ProcessInfo.processInfo.environment["TAILGRID_REQUIRE_GENERIC_BUILD"] == "1" {
                Issue.record("no generic build at \(Self.generic): scripts/test.sh builds it")
            } else {
                print("CPUTargetTests: SKIPPED: no generic build at \(Self.generic) (scripts/test.sh builds it)")
            }
            return
        }
        // Two different programs: the Haswell kernels use ymm registers, the generic ones none.
        #expect(try await Self.wideInstructions(TailGridExecutable.url.path) > 1000)
        #expect(try await Self.wideInstructions(Self.generic) == 0)

        let folder = NSTemporaryDirectory() + "tailgrid-cpu-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let book = folder + "/book"
        let synth = try await TailGridProcess.run(["synth", "--accounts", "200", "--expiries", "4", "--strikes", "9", "--seed", "11",
                                             "--scenarios", "50000", "--out", book])
        #expect(synth.status == 0, "\(synth.standardError)")
        // Student-t and Gaussian books, smiles, stress grids, a coin-margined account, the
        // dependence stress, and explanations (the tail replay and the factor waterfall).
        let jobs: [(String, [String])] = [
            ("jobs/quickstart.yaml", ["--explain"]),
            ("jobs/deribit-grid.yaml", ["--explain"]),
            (book + "/job.yaml", []),
        ]
        for (index, (job, extra)) in jobs.enumerated() {
            var outputs: [String] = []
            for (name, binary) in [("haswell", TailGridExecutable.url), ("generic", URL(fileURLWithPath: Self.generic))] {
                let out = "\(folder)/\(index)-\(name)"
                let run = try await TailGridProcess.run(["run", job, "--out", out, "--quiet"] + extra, executable: binary)
                #expect(run.status == 0, "\(name) \(job): \(run.standardError)")
                let result = ResultText.comparable(try String(contentsOfFile: out + "/result.json", encoding: .utf8))
                let explanation = extra.isEmpty ? "" : try String(contentsOfFile: out + "/explain.json", encoding: .utf8)
                outputs.append(result + explanation)
            }
            #expect(outputs[0] == outputs[1], "\(job): the generic build's result differs from the Haswell build's")
        }
    }
}
