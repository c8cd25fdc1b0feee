import Foundation
import Testing
import TailGridTestSupport
import TailGridEngine
import TailGridJob
import TailGridNumerics

/// Random mutations of valid job files, a fixed budget that runs in CI: the decoder
/// either accepts (and then the engine can plan the job) or refuses with a JobError that
/// names the file; it never crashes.
@Suite("Job files: random mutations")
struct JobFilePropertyTests {
    static let tokens = ["0", "-1", "1e308", "-1e308", ".nan", ".inf", "nan", "1e-320", "18446744073709551616", "''", "[]", "{}",
                         "&a x", "*a", "? x", "- y", ": ", "\"\\u0000\"", "\t", "\r\n", "#", "!!binary AAAA", "~", "null", "2025-13-40"]

    @Test func mutationsNeverCrash() throws {
        var random = SplitMix64(seed: 7)
        var accepted = 0
        var refused = 0
        let base = Array(JobFolder.valid.utf8)
        for _ in 0..<1500 {
            var bytes = base
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let position = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 5 {
                case 0: bytes.remove(at: position)
                case 1: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                case 2:
                    let token = Array(Self.tokens[Int(random.next() % UInt64(Self.tokens.count))].utf8)
                    bytes.insert(contentsOf: token, at: position)
                case 3:
                    // Replace the number (or word) at this position.
                    var end = position
                    while end < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "}"), UInt8(ascii: "]")].contains(bytes[end]) { end += 1 }
                    let token = Array(Self.tokens[Int(random.next() % UInt64(Self.tokens.count))].utf8)
                    bytes.replaceSubrange(position..<end, with: token)
                default:
                    // Duplicate a line.
                    let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                    let line = lines[Int(random.next() % UInt64(lines.count))]
                    bytes.insert(contentsOf: Array(line) + [UInt8(ascii: "\n")], at: 0)
                }
            }
            do {
                let loaded = try JobFile.parse(jobBytes: Data(bytes), path: "job.yaml", positions: nil)
                _ = try? EnginePlan(loaded.engineJob)
                accepted += 1
            } catch {
                #expect(error.file == "job.yaml" || error.file == nil)
                #expect(!error.message.isEmpty)
                refused += 1
            }
        }
        #expect(refused > 500 && accepted > 20, "accepted \(accepted), refused \(refused)")
    }
}

