import Foundation
import Testing
import TailGridCluster
import TailGridNumerics
import TailGridProtocol

/// The compact tail's varints (`PackedVarints`) against SwiftProtobuf's own packed
/// `repeated uint64`: the same bytes both ways, so a peer that declares the fields as
/// repeated integers reads and writes the same messages; and a run that is no run of
/// varints is refused, never read past its end.
@Suite struct PackedVarintsTests {
    /// The values SwiftProtobuf reads from `varints` as a packed `repeated uint64`: the
    /// bytes behind field 6 of an AccountSummary (`histogram_counts`, packed), its tag and
    /// length written by hand.
    static func protobufValues(_ varints: Data) throws -> [UInt64] {
        var bytes = Data([6 << 3 | 2])
        var length = UInt64(varints.count)
        while length >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: length) | 0x80)
            length >>= 7
        }
        bytes.append(UInt8(length))
        bytes.append(varints)
        return try Tailgrid_V1_AccountSummary(serializedBytes: bytes).histogramCounts
    }

    /// Every length a varint takes (1 to 10 bytes, at each boundary) and a seeded spread
    /// of offsets and key steps as a tail's are (2 and 7 bytes mostly).
    static let values: [UInt64] = {
        var values: [UInt64] = [0, 1, 127, 128, 255, 16_383, 16_384, 1 << 21 - 1, 1 << 21, UInt64(Int64.max), 1 << 63, UInt64.max]
        for bits in stride(from: 7, through: 63, by: 7) { values += [(1 << UInt64(bits)) - 1, 1 << UInt64(bits)] }
        var generator = SplitMix64(seed: 7)
        for _ in 0..<2_000 { values.append(generator.next() >> (generator.next() % 64)) }
        return values
    }()

    @Test func theBytesOfAPackedRepeatedField() throws {
        let varints = PackedVarints(Self.values)
        var packed = Tailgrid_V1_AccountSummary()
        packed.histogramCounts = Self.values
        let serialized: Data = try packed.serializedBytes()
        // Field 6's tag and its length, then the varints.
        #expect(serialized.suffix(varints.bytes.count) == varints.bytes)
        #expect(serialized.count - varints.bytes.count <= 4)
        #expect(try Self.protobufValues(varints.bytes) == Self.values)
        #expect(try varints.values() == Self.values)
        #expect(varints.count == Self.values.count)
        // A message that packs them in field 11 carries them as the compact offsets.
        var moved = serialized
        moved[moved.startIndex] = 11 << 3 | 2
        let summary = try Tailgrid_V1_AccountSummary(serializedBytes: moved)
        #expect(try PackedVarints(bytes: summary.tailScenarioOffsets).values() == Self.values)
        #expect(PackedVarints([]).bytes.isEmpty)
        #expect(try PackedVarints(bytes: Data()).values().isEmpty)
    }

    /// A last varint without its end, one of 11 bytes, one whose tenth byte carries more
    /// than bit 63: refused, saying which.
    @Test(arguments: [
        (Data([0x05, 0x80]), "cut off"),
        (Data([0x05, 0xFF, 0xFF]), "cut off"),
        (Data([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), "longer than 64 bits"),
        (Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02]), "longer than 64 bits"),
    ])
    func runsThatAreNoVarintsAreRefused(bytes: Data, says: String) {
        #expect {
            try PackedVarints(bytes: bytes).values()
        } throws: { error in
            (error as? ClusterError)?.message.contains(says) == true
        }
        // SwiftProtobuf refuses a cut-off run too (and drops bits past 64 where this refuses).
        if says == "cut off" { #expect((try? Self.protobufValues(bytes)) == nil) }
    }

    /// The varints of `bytes` read a byte at a time, as the protobuf encoding defines them:
    /// nil when the bytes end inside one or one holds more than 64 bits (a tenth byte
    /// above 1). `values()` must read any bytes as it does.
    static func referenceValues(_ bytes: [UInt8]) -> [UInt64]? {
        var values: [UInt64] = []
        var value: UInt64 = 0
        var index = 0 // of the byte within its varint
        for byte in bytes {
            if index == 9 && byte > 1 { return nil }
            value |= UInt64(byte & 0x7F) << UInt64(7 * index)
            if byte & 0x80 == 0 {
                values.append(value)
                value = 0
                index = 0
            } else {
                index += 1
            }
        }
        return index == 0 ? values : nil
    }

    /// Any bytes a worker may send: 6,000 seeded runs of 0 to 40 bytes, their high bits set
    /// half the time or nine times in ten (so that runs of 8 to 11 continuation bytes, the
    /// word path's edges, are common), read from a slice of a larger buffer. Each is read
    /// exactly as the byte-at-a-time reference reads it or refused where it refuses, the
    /// count of ends agrees, and whatever is read, SwiftProtobuf reads the same.
    @Test func anyBytesAreReadAsTheReferenceReadsThem() throws {
        var generator = SplitMix64(seed: 11)
        var read = 0
        var refused = 0
        for run in 0..<6_000 {
            let length = Int(generator.next() % 41)
            let continuing: UInt64 = run % 2 == 0 ? 50 : 90
            let bytes = (0..<length).map { _ -> UInt8 in
                let low = UInt8(truncatingIfNeeded: generator.next()) & 0x7F
                return generator.next() % 100 < continuing ? low | 0x80 : low
            }
            // The byte after the slice would end a varint: a read past the end shows.
            let sliced = Data([0xFF] + bytes + [0x00]).dropFirst().dropLast()
            let varints = PackedVarints(bytes: sliced)
            let reference = Self.referenceValues(bytes)
            let values = try? varints.values()
            #expect(values == reference, "bytes \(bytes)")
            #expect(varints.count == bytes.count { $0 < 0x80 })
            if let values {
                read += 1
                #expect(try Self.protobufValues(Data(bytes)) == values)
                #expect(try PackedVarints(values).values() == values)
            } else {
                refused += 1
            }
        }
        // Both outcomes were exercised, each often.
        #expect(read > 1_000 && refused > 1_000)
    }
}
