import Foundation

/// Unsigned integers as base-128 varints end to end: the bytes protobuf writes for a
/// packed `repeated uint64` after the field's length, and how a compact tail's scenario
/// offsets and loss key steps travel (`AccountSummary.tail_scenario_offsets`,
/// `tail_loss_key_steps`).
///
/// A varint is 7 bits a byte, least significant first, the high bit set on every byte but
/// the last: 1 byte below 2^7, 2 below 2^14, 10 for the largest. Coded here in one pass
/// over the values, where a repeated field sized its varints, then wrote them, from an
/// array built for it, and was read back into an array element by element.
public struct PackedVarints: Sendable {
    /// The varints, end to end.
    public let bytes: Data

    /// The most bytes one varint takes (64 bits, 7 a byte).
    public static let maxBytes = 10

    public init(bytes: Data) {
        self.bytes = bytes
    }

    /// `count` values, `value(i)` for i in 0..<count.
    ///
    /// Written into room of 10 bytes a value that the data then owns: neither zeroed
    /// first (`Data(count:)` cleared it, half the cost) nor copied after.
    @inline(__always)
    public init(count: Int, _ value: (Int) -> UInt64) {
        let count = Swift.max(0, count)
        guard count > 0 else {
            bytes = Data()
            return
        }
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: count * Self.maxBytes)
        var position = 0
        for index in 0..<count {
            position &+= Self.write(value(index), to: out + position)
        }
        bytes = Data(bytesNoCopy: out, count: position, deallocator: .custom { memory, _ in memory.deallocate() })
    }

    /// Writes `value`'s varint at `out`, which has room for 10 bytes, and returns its
    /// length. One below 2^56 (at most 8 bytes) is spread into 8 bytes of 7 bits by three
    /// shifts of halves, its high bits set, and stored as one word; a larger one goes a
    /// byte at a time.
    @inline(__always)
    static func write(_ value: UInt64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let length = (64 &- (value | 1).leadingZeroBitCount &+ 6) / 7
        if length <= 8 {
            var word = (value & 0x0000_0000_0FFF_FFFF) | ((value & 0x00FF_FFFF_F000_0000) << 4)
            word = (word & 0x0000_3FFF_0000_3FFF) | ((word & 0x0FFF_C000_0FFF_C000) << 2)
            word = (word & 0x007F_007F_007F_007F) | ((word & 0x3F80_3F80_3F80_3F80) << 1)
            word |= 0x8080_8080_8080_8080 & ((1 << UInt64(8 &* (length &- 1))) &- 1)
            UnsafeMutableRawPointer(out).storeBytes(of: word.littleEndian, as: UInt64.self)
            return length
        }
        var rest = value
        var written = 0
        while rest >= 0x80 {
            out[written] = UInt8(truncatingIfNeeded: rest) | 0x80
            written &+= 1
            rest >>= 7
        }
        out[written] = UInt8(truncatingIfNeeded: rest)
        return written &+ 1
    }

    /// The values, in order.
    public init(_ values: [UInt64]) {
        self.init(count: values.count) { values[$0] }
    }

    /// How many varints the bytes end: the bytes without the high bit. A well-formed run
    /// holds exactly that many; `values()` and `Wire.tail` refuse one that does not.
    public var count: Int {
        bytes.withUnsafeBytes { raw in
            var ends = 0
            var position = 0
            // 8 bytes a word: their ends are the high bits that are clear.
            while raw.count &- position >= 8 {
                let word = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                ends &+= (~word & 0x8080_8080_8080_8080).nonzeroBitCount
                position &+= 8
            }
            while position < raw.count {
                if raw[position] < 0x80 { ends &+= 1 }
                position &+= 1
            }
            return ends
        }
    }

    /// Every value, in order. Throws on bytes that are no run of varints: the last one
    /// unfinished, or one longer than 10 bytes or past 64 bits (another sender's bytes are
    /// not trusted).
    public func values() throws(ClusterError) -> [UInt64] {
        // Data's closures rethrow untyped errors: the failure comes out as a value.
        let read = bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Result<[UInt64], ClusterError> in
            var values: [UInt64] = []
            values.reserveCapacity(count)
            var position = 0
            while position < raw.count {
                guard let value = Self.read(raw, at: &position) else { return .failure(Self.broken(raw, at: position)) }
                values.append(value)
            }
            return .success(values)
        }
        return try read.get()
    }

    /// Why `read` found no varint at `position` of `raw` (where it stopped): the bytes
    /// ended inside one, or one ran past 64 bits.
    static func broken(_ raw: UnsafeRawBufferPointer, at position: Int) -> ClusterError {
        position >= raw.count
            ? ClusterError(.protocolViolation, "a varint is cut off: the \(raw.count) bytes end inside it")
            : ClusterError(.protocolViolation, "a varint ending at byte \(position + 1) is longer than 64 bits")
    }

    /// The varint at `position`, which moves past it; nil, `position` at the byte that
    /// broke it (or at the end), when the bytes end first or it runs past 64 bits.
    ///
    /// A varint of at most 8 bytes with 8 bytes to read is found in one word: its end is
    /// the first byte without the high bit, and its 7-bit groups are packed together by
    /// three shifts of halves (a tail's offsets take 2 bytes and its key steps 6 to 8).
    /// Anything else goes a byte at a time.
    @inline(__always)
    static func read(_ raw: UnsafeRawBufferPointer, at position: inout Int) -> UInt64? {
        if raw.count &- position >= 8 {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            let ends = ~word & 0x8080_8080_8080_8080
            if ends != 0 {
                let bits = ends.trailingZeroBitCount &+ 1 // the varint's bits, its end's high bit last
                var value = (bits == 64 ? word : word & ((1 << UInt64(bits)) &- 1)) & 0x7F7F_7F7F_7F7F_7F7F
                value = (value & 0x007F_007F_007F_007F) | ((value & 0x7F00_7F00_7F00_7F00) >> 1)
                value = (value & 0x0000_3FFF_0000_3FFF) | ((value & 0x3FFF_0000_3FFF_0000) >> 2)
                value = (value & 0x0000_0000_0FFF_FFFF) | ((value & 0x0FFF_FFFF_0000_0000) >> 4)
                position &+= bits >> 3
                return value
            }
        }
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < raw.count {
            let byte = raw[position]
            // The tenth byte holds bit 63 alone.
            guard shift < 63 || byte <= 1 else { return nil }
            position &+= 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift &+= 7
        }
        return nil
    }
}
