import Testing
import TailGridNumerics

/// The tile buffers the kernels read 32 bytes at a time start on a cache line and start
/// zeroed, whatever their size (malloc alone gives 16 bytes, and large blocks come from
/// mmap at a page plus 16).
@Suite struct AlignedRowsTests {
    @Test(arguments: [0, 1, 7, 256, 3_064 * 256, 1 << 21])
    func buffersStartOnACacheLineAndAreZero(count: Int) {
        let buffer = AlignedRows.allocate(count)
        defer { AlignedRows.deallocate(buffer) }
        #expect(buffer.count == Swift.max(1, count))
        #expect(Int(bitPattern: buffer.baseAddress) % 64 == 0)
        #expect(buffer.allSatisfy { $0 == 0 && $0.sign == .plus })
        buffer[buffer.count - 1] = 1
        #expect(buffer[buffer.count - 1] == 1)
    }
}
