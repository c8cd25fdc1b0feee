#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An exclusive lock on a state folder (`flock` on its `coordinator.lock`), held while
/// the process lives: two coordinators on one folder would interleave their journals.
/// The kernel releases it when the process dies, SIGKILL included.
final class StateFolderLock: Sendable {
    let descriptor: Int32

    init(folder: String) throws(JournalError) {
        let path = folder + "/coordinator.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw JournalError(.unusable, "\(folder): cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            throw JournalError(.locked, "\(folder) is in use by another coordinator\(holder.isEmpty ? "" : " (\(holder))"); give each coordinator a --state folder of its own")
        }
        // Who holds it, for the message another coordinator prints.
        let text = "pid \(getpid()) on \(ProcessInfo.processInfo.hostName)\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        self.descriptor = descriptor
    }

    /// Unlocks before closing: a child process another thread is spawning holds a copy of
    /// the descriptor until its exec closes it (O_CLOEXEC), and the lock, which belongs to
    /// the open file description, would outlive this close until then.
    deinit {
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
