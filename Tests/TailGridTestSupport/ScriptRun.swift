import Foundation

/// Runs a helper program of a test (a script of the repository, python3, objdump) from the
/// repository root to its end, with its standard output and error in one file rather than
/// a pipe: a daemon it starts (slurmd, a browser) may hold a pipe's writing end open long
/// after the program itself has exited.
public enum ScriptRun {
    public struct CannotRun: Error, CustomStringConvertible {
        public let description: String
    }

    /// How long a helper may run before it is killed (SIGKILL: processes the tests start
    /// may ignore SIGTERM): a hung helper fails its test instead of holding the suite.
    public static let defaultTimeout: Double = 900

    /// `executable` is a path, or a command found on PATH through /usr/bin/env. Past
    /// `timeout` seconds the program is killed and the status is 137.
    public static func run(_ executable: String, _ arguments: [String],
                           timeout: Double = defaultTimeout) throws -> (status: Int32, output: String) {
        let log = NSTemporaryDirectory() + "tailgrid-script-\(UUID().uuidString).log"
        guard FileManager.default.createFile(atPath: log, contents: nil) else { throw CannotRun(description: "cannot create \(log)") }
        defer { try? FileManager.default.removeItem(atPath: log) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        if executable.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        process.currentDirectoryURL = TailGridExecutable.repositoryRoot
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        process.waitUntilExit()
        watchdog.cancel()
        try handle.close()
        var output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        if process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL {
            output += "\n(killed: \(executable) ran longer than \(Int(timeout)) s)"
        }
        return (process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus, output)
    }
}
