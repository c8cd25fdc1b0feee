import Foundation

/// The bytes of one JSON document being written: one `malloc` block grown by `realloc`
/// and handed to `Data` without a copy when the document is done.
///
/// An array here cost the result.json of 20,000 accounts (45 MB) twice its size at the
/// end of a run: each doubling copies into a new buffer, and `Data([UInt8])` copies
/// again. `realloc` of a block this large moves its pages (`mremap`) instead of copying
/// them, and `Data(bytesNoCopy:)` takes the block as it is.
struct PrettyJSONOutput {
    private(set) var base: UnsafeMutablePointer<UInt8>?
    private(set) var count = 0
    private var capacity = 0
    /// Set when memory ran out: the document is then refused instead of written short.
    private(set) var failed = false

    init(capacity: Int) {
        reserve(capacity)
    }

    /// Frees the block unless `takeData` took it.
    mutating func free() {
        Foundation.free(base)
        base = nil
        count = 0
        capacity = 0
    }

    /// Room for `extra` more bytes; on failure the buffer is marked failed and left as it was.
    @inline(__always)
    private mutating func ensure(_ extra: Int) -> Bool {
        if count &+ extra <= capacity { return true }
        return grow(extra)
    }

    private mutating func grow(_ extra: Int) -> Bool {
        guard !failed else { return false }
        let (needed, overflow) = count.addingReportingOverflow(extra)
        guard !overflow else {
            failed = true
            return false
        }
        reserve(Swift.max(needed, capacity <= Int.max / 2 ? capacity * 2 : Int.max))
        return !failed && needed <= capacity
    }

    private mutating func reserve(_ wanted: Int) {
        guard wanted > capacity else { return }
        guard let grown = realloc(base, wanted)?.assumingMemoryBound(to: UInt8.self) else {
            failed = true
            return
        }
        base = grown
        capacity = wanted
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        guard ensure(1), let base else { return }
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count > 0, ensure(bytes.count), let base, let source = bytes.baseAddress else { return }
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    /// The bytes `range`, appended to `array`.
    func copy(_ range: Range<Int>, into array: inout [UInt8]) {
        guard let base, !range.isEmpty else { return }
        array.append(contentsOf: UnsafeBufferPointer(start: base + range.lowerBound, count: range.count))
    }

    /// Copies `count` bytes from `source` to `target`, both offsets in the buffer; the
    /// ranges may overlap.
    func move(from source: Int, count: Int, to target: Int) {
        guard let base, count > 0, source != target else { return }
        memmove(base + target, base + source, count)
    }

    /// Writes `bytes` over the buffer's bytes from `offset`, which must already be written.
    func overwrite(at offset: Int, with bytes: UnsafeBufferPointer<UInt8>) {
        guard let base, let source = bytes.baseAddress, bytes.count > 0 else { return }
        (base + offset).update(from: source, count: bytes.count)
    }

    /// Drops every byte from `newCount` on, keeping the block.
    mutating func truncate(to newCount: Int) {
        count = Swift.min(count, Swift.max(0, newCount))
    }

    /// The document as `Data` owning the block (freed by `Data`); the buffer is left empty.
    /// A block much larger than the document is shrunk first (in place, or by moving its
    /// pages): a coordinator keeps the documents of the jobs it retains.
    mutating func takeData() -> Data {
        guard var base, count > 0 else {
            free()
            return Data()
        }
        if capacity - count > Swift.max(4_096, count / 8),
           let shrunk = realloc(base, count)?.assumingMemoryBound(to: UInt8.self) {
            base = shrunk
        }
        let data = Data(bytesNoCopy: base, count: count, deallocator: .free)
        self.base = nil
        count = 0
        capacity = 0
        return data
    }
}
