import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads pipes with blocking read(2) on threads of its own, retrying on EINTR.
/// Foundation's `readDataToEndOfFile` and `availableData` trap (a `try!` inside) when a
/// signal interrupts the read, and `readabilityHandler`'s dispatch read source has a
/// teardown race in libdispatch on Linux (a use-after-free of its epoll muxnote that
/// crashes `_dispatch_event_loop_drain`: swift-corelibs-libdispatch issue 949), which took
/// down whole CI runs; a blocking read never registers the descriptor with libdispatch.
public enum PipeReader {
    /// Everything until end of file.
    public static func readToEnd(_ handle: FileHandle) -> Data {
        var data = Data()
        while let chunk = readOnce(handle), !chunk.isEmpty { data.append(chunk) }
        return data
    }

    /// What one read returns (blocking until something is there): empty at end of file,
    /// nil on an error other than EINTR.
    public static func readOnce(_ handle: FileHandle) -> Data? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
            if count >= 0 { return Data(buffer[0..<count]) }
            if errno != EINTR { return nil }
        }
    }

    /// Reads `handle` to its end on a thread of its own, handing each chunk to `chunk`.
    public static func drain(_ handle: FileHandle, into chunk: @escaping @Sendable (Data) -> Void) {
        let thread = Thread {
            while let data = readOnce(handle), !data.isEmpty { chunk(data) }
        }
        thread.start()
    }

    /// A process's standard output and standard error, both read to the end at once (one
    /// on another thread), so that neither pipe can fill up and stall the process.
    public static func readBoth(_ output: FileHandle, _ errors: FileHandle) -> (output: Data, errors: Data) {
        final class Box: @unchecked Sendable { var data = Data() }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.data = readToEnd(errors)
            done.signal()
        }
        thread.start()
        let first = readToEnd(output)
        done.wait()
        return (first, box.data)
    }
}
