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
}
