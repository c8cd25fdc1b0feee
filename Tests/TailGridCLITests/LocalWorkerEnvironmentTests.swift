import Foundation
import Testing
import TailGridTestSupport

/// `run --workers N` starts its workers with OPENBLAS_NUM_THREADS=1 beside the run's own
/// environment: the engine calls BLAS single-threaded, and a pthread OpenBLAS otherwise
/// starts a thread per core in every worker, spinning for about 0.1 s of CPU each.
@Suite struct LocalWorkerEnvironmentTests {
    @Test func workersStartWithOneOpenBLASThreadAndTheRunsEnvironment() throws {
        let folder = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = Process()
        run.executableURL = TailGridProcess.executable
        run.arguments = ["run", "jobs/quickstart.yaml", "--workers", "1", "--quiet", "--out", folder.path]
        run.currentDirectoryURL = TailGridProcess.repositoryRoot
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = nil
        environment["TAILGRID_TEST_MARK"] = "kept"
        run.environment = environment
        run.standardOutput = FileHandle.nullDevice
        run.standardError = FileHandle.nullDevice
        try run.run()
        var workerEnvironment: [String]?
        let deadline = ContinuousClock.now + .seconds(120)
        while workerEnvironment == nil, run.isRunning, ContinuousClock.now < deadline {
            workerEnvironment = Self.children(of: run.processIdentifier).lazy.compactMap(Self.workerEnvironment(of:)).first
            Thread.sleep(forTimeInterval: 0.005)
        }
        run.waitUntilExit()
        #expect(run.terminationStatus == 0)
        let variables = try #require(workerEnvironment, "no worker process of the run was seen")
        #expect(variables.contains("OPENBLAS_NUM_THREADS=1"))
        #expect(variables.contains("TAILGRID_TEST_MARK=kept"))
    }

    /// The processes whose parent is `parent`, from /proc/PID/stat (the parent's id is the
    /// second field after the command name in parentheses).
    static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent ? pid : nil
        }
    }

    /// The environment of `pid` when it is a `tailgrid worker`.
    static func workerEnvironment(of pid: Int32) -> [String]? {
        guard let commandLine = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
              commandLine.split(separator: 0).dropFirst().first.map({ String(decoding: $0, as: UTF8.self) }) == "worker",
              let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return nil }
        return environment.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }
}
