import Foundation
import Testing
import TailGridEngine
import TailGridJob
import TailGridNumerics
import TailGridTestSupport

/// `PrettyJSON` writes what JSONEncoder writes with `.prettyPrinted`, `.sortedKeys` and
/// `.withoutEscapingSlashes`, byte for byte: JSONEncoder is the oracle, on real result
/// and explanation documents and on random documents of every shape and hostile text.
@Suite("PrettyJSON")
struct PrettyJSONTests {
    static func oracle(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    static func expectSameBytes(_ value: some Encodable, _ what: String) throws {
        let expected = try oracle(value)
        let written = Array(try PrettyJSON.encode(value))
        guard written != expected else { return }
        let at = zip(written, expected).prefix { $0 == $1 }.count
        let context = { (bytes: [UInt8]) in String(decoding: bytes[Swift.max(0, at - 80)..<Swift.min(bytes.count, at + 80)], as: UTF8.self) }
        Issue.record("\(what): differs from JSONEncoder at byte \(at) of \(expected.count):\n--- PrettyJSON\n\(context(written))\n--- JSONEncoder\n\(context(expected))")
    }

    /// The repository's jobs run (with fewer scenarios), with every account explained:
    /// result.json and explain.json as the CLI writes them.
    @Test(arguments: ["jobs/quickstart.yaml", "jobs/deribit-grid.yaml"])
    func resultAndExplanationDocuments(job: String) throws {
        let path = TailGridExecutable.repositoryRoot.appendingPathComponent(job).path
        let loaded = try JobFile.load(path: path)
        let plan = try EnginePlan(loaded.engineJob)
        let (result, explanations) = try LocalRunner(plan: plan, threads: 2)
            .run(explaining: Array(0..<loaded.engineJob.accounts.count))
        let document = ResultDocument(job: loaded, result: result, elapsedSeconds: 1.25)
        #expect(document.accounts.count > 1)
        try Self.expectSameBytes(document, "\(job) result.json")
        let explanation = ExplanationDocument(plan: plan, explanations: try #require(explanations), risks: result.accounts)
        try Self.expectSameBytes(explanation, "\(job) explain.json")
    }

    /// A random tree: objects (struct-like with fixed keys, and dictionaries with hostile
    /// keys), arrays (empty, of numbers, of objects, nested), strings with every control
    /// character, quotes, backslashes, slashes and non-ASCII text, doubles across the whole
    /// range (subnormal, -0, integral, huge), integers of every width, Booleans and nulls.
    indirect enum Node: Encodable {
        case object([(String, Node)])
        case array([Node])
        case string(String)
        case double(Double)
        case float(Float)
        case int(Int)
        case int8(Int8)
        case uint64(UInt64)
        case bool(Bool)
        case null
        case optional(Node?)

        struct Key: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(_ string: String) { stringValue = string }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: Encoder) throws {
            switch self {
            case .object(let entries):
                var container = encoder.container(keyedBy: Key.self)
                for (key, value) in entries {
                    switch value {
                    case .double(let number): try container.encode(number, forKey: Key(key))
                    case .string(let text): try container.encode(text, forKey: Key(key))
                    case .int(let number): try container.encode(number, forKey: Key(key))
                    case .bool(let flag): try container.encode(flag, forKey: Key(key))
                    case .null: try container.encodeNil(forKey: Key(key))
                    case .optional(let inner): try container.encodeIfPresent(inner, forKey: Key(key))
                    default: try container.encode(value, forKey: Key(key))
                    }
                }
            case .array(let elements):
                var container = encoder.unkeyedContainer()
                for element in elements {
                    switch element {
                    case .double(let number): try container.encode(number)
                    case .int(let number): try container.encode(number)
                    default: try container.encode(element)
                    }
                }
            case .null:
                var container = encoder.singleValueContainer()
                try container.encodeNil()
            case .string, .double, .float, .int, .int8, .uint64, .bool, .optional:
                var container = encoder.singleValueContainer()
                try container.encode(singleValue) // opened: encoded as its own type
            }
        }

        /// The payload of a single-value case.
        var singleValue: any Encodable {
            switch self {
            case .string(let text): text
            case .double(let number): number
            case .float(let number): number
            case .int(let number): number
            case .int8(let number): number
            case .uint64(let number): number
            case .bool(let flag): flag
            case .optional(let inner): inner
            case .object, .array, .null: Optional<Node>.none
            }
        }
    }

    struct Random {
        var generator: SplitMix64

        mutating func below(_ bound: Int) -> Int { Int(generator.next() % UInt64(bound)) }

        static let pieces = ["a", "z", "A", "0", "9", "/", "\\", "\"", "é", "e\u{301}", "€", "😀", " ", "{", "}", ":", ",",
                             "\u{7F}", "\u{2028}", "\u{FEFF}", "ß", "日本", "0.99", "0.995", "a10", "a9", "_", "-", "."]

        mutating func text() -> String {
            var text = ""
            for _ in 0..<below(6) {
                if below(4) == 0 {
                    text.unicodeScalars.append(Unicode.Scalar(UInt8(below(0x20))))
                } else {
                    text += Self.pieces[below(Self.pieces.count)]
                }
            }
            return text
        }

        mutating func double() -> Double {
            switch below(8) {
            case 0: return Double(bitPattern: generator.next()).isFinite ? Double(bitPattern: generator.next() & ~(0x7FF << 52) | (UInt64(below(0x7FF)) << 52)) : 1
            case 1: return Double(below(2_000_001) - 1_000_000)
            case 2: return [0.0, -0.0, 1e16, 1e-5, 0.1, 5e-324, -Double.greatestFiniteMagnitude, 2.0.squareRoot(), 1e21, 123456789012345680][below(10)]
            case 3: return Double(bitPattern: (generator.next() >> 12) | 0x3FF0_0000_0000_0000) * 1e15
            default: return (Double(generator.next() >> 11) / 0x1p53 - 0.5) * pow(10, Double(below(40) - 20))
            }
        }

        mutating func node(depth: Int) -> Node {
            let kind = depth >= 5 ? 2 + below(9) : below(11)
            switch kind {
            case 0:
                let structLike = below(2) == 0
                let count = below(structLike ? 9 : 5)
                return .object((0..<count).map { index in
                    (structLike ? ["id", "es", "var", "counts", "lower", "upper", "b", "a_b", "zeta"][index] : text(), node(depth: depth + 1))
                })
            case 1:
                let count = below(6)
                let numbers = below(3) == 0
                return .array((0..<count).map { _ in numbers ? (below(2) == 0 ? .int(below(1000)) : .double(double())) : node(depth: depth + 1) })
            case 2: return .string(text())
            case 3, 4: return .double(double())
            case 5:
                let float = Float(double())
                return .float(float.isFinite ? float : 1.5)
            case 6: return [.int(Int.min), .int(Int.max), .int(0), .int(below(100_000) - 50_000)][below(4)]
            case 7: return [.int8(Int8.min), .uint64(UInt64.max), .uint64(generator.next())][below(3)]
            case 8: return .bool(below(2) == 0)
            case 9: return .null
            default: return .optional(below(2) == 0 ? nil : node(depth: depth + 1))
            }
        }
    }

    @Test func randomDocuments() throws {
        var random = Random(generator: SplitMix64(seed: 20261123))
        var bytes = 0
        for index in 0..<3_000 {
            let document = Node.object([("root", random.node(depth: 0)), ("more", random.node(depth: 1))])
            try Self.expectSameBytes(document, "random document \(index)")
            bytes += try PrettyJSON.encode(document).count
        }
        #expect(bytes > 200_000, "the documents were too small to say much: \(bytes) bytes")
    }

    /// Dictionaries of every key type Swift encodes as an object (String, Int) or as an
    /// array of alternating keys and values (anything else), and nested optionals.
    @Test func dictionariesAndOptionals() throws {
        let strings: [String: Double] = ["b": 1, "a": -0.0, "B": 2.5, "é": 3, "e\u{301}x": 4, "": 5, "10": 6, "9": 7, "a\u{0}": 8]
        try Self.expectSameBytes(strings, "string keys")
        try Self.expectSameBytes([3: "c", -1: "m", 10: "t"] as [Int: String], "int keys")
        try Self.expectSameBytes([1.5: [1, 2], -2.5: []] as [Double: [Int]], "double keys")
        try Self.expectSameBytes([[String: [Double]]](), "an empty array")
        try Self.expectSameBytes([String: Int](), "an empty object")
        try Self.expectSameBytes([[:], ["k": [[:], ["x": [Int]()]]]] as [[String: [[String: [Int]]]]], "empty containers nested")
        try Self.expectSameBytes(["x": nil, "y": 1] as [String: Int?], "a null value")
        try Self.expectSameBytes(Data([0, 1, 2, 250, 255]), "data as base64 at the top")
        try Self.expectSameBytes(["url": URL(string: "https://example.com/a b?q=1")!], "a URL")
        try Self.expectSameBytes([Decimal(string: "12.3400")!, Decimal(-5)], "decimals")
    }

    /// The collections `PrettyJSON` writes without an encoder per element (`[Int]`,
    /// `[Double]`, `[UInt64]`, and string-keyed dictionaries of `Double`, `[Double]`,
    /// `UInt64` and `Int`: `writeCollection`) come out as JSONEncoder writes them: empty
    /// and not, at the top, in a struct, in arrays and dictionaries of them, with hostile
    /// keys whose UTF-8 order is not String's order; and a non-finite number inside is
    /// refused at the coding path JSONEncoder names.
    @Test func collectionsWrittenDirectly() throws {
        struct Holder: Encodable {
            var ints: [Int]
            var doubles: [Double]
            var unsigned: [UInt64]
            var byLevel: [String: Double]
            var intervals: [String: [Double]]
            var scenarios: [String: UInt64]
            var counts: [String: Int]
        }
        var random = Random(generator: SplitMix64(seed: 20261126))
        func keys() -> [String] { (0..<random.below(4)).map { _ in random.text() } }
        var nonEmpty = 0
        for index in 0..<1_500 {
            let holder = Holder(
                ints: (0..<random.below(5)).map { _ in random.below(2_000_001) - 1_000_000 },
                doubles: (0..<random.below(5)).map { _ in random.double() },
                unsigned: (0..<random.below(3)).map { _ in random.generator.next() },
                byLevel: Dictionary(keys().map { ($0, random.double()) }, uniquingKeysWith: { $1 }),
                intervals: Dictionary(keys().map { ($0, (0..<random.below(3)).map { _ in random.double() }) }, uniquingKeysWith: { $1 }),
                scenarios: Dictionary(keys().map { ($0, random.generator.next()) }, uniquingKeysWith: { $1 }),
                counts: Dictionary(keys().map { ($0, random.below(100)) }, uniquingKeysWith: { $1 }))
            if !holder.byLevel.isEmpty && !holder.intervals.isEmpty { nonEmpty += 1 }
            try Self.expectSameBytes(holder, "holder \(index)")
            try Self.expectSameBytes([holder, holder], "holders in an array \(index)")
            try Self.expectSameBytes(["deeper": [holder.intervals, [:]]], "dictionaries in a dictionary \(index)")
            try Self.expectSameBytes(holder.byLevel, "a dictionary at the top \(index)")
            try Self.expectSameBytes(holder.doubles, "an array at the top \(index)")
        }
        #expect(nonEmpty > 300)
        for bad in [Double.nan, .infinity] {
            let values: [any Encodable] = [["0.99": 1, "0.995": bad] as [String: Double], ["a": [1, bad]] as [String: [Double]],
                                           [[1.5, bad]] as [[Double]]]
            for value in values {
                func paths(_ encode: () throws -> Void) -> [String]? {
                    do {
                        try encode()
                    } catch let EncodingError.invalidValue(_, context) {
                        return context.codingPath.map(\.stringValue)
                    } catch {}
                    return nil
                }
                let written = paths { _ = try PrettyJSON.encode(value) }
                #expect(written != nil && written == paths { _ = try Self.oracle(value) }, "\(value): \(String(describing: written))")
            }
        }
    }

    /// What JSONEncoder refuses is refused: NaN and infinities, and a top-level value
    /// that writes nothing.
    @Test func refusals() throws {
        struct Empty: Encodable { func encode(to encoder: Encoder) throws {} }
        for value in [Double.nan, .infinity, -.infinity] {
            #expect(throws: EncodingError.self) { try PrettyJSON.encode(["a": [1, value]]) }
            #expect(throws: EncodingError.self) { try Self.oracle(["a": [1, value]]) }
        }
        #expect(throws: EncodingError.self) { try PrettyJSON.encode(Empty()) }
        #expect(throws: EncodingError.self) { try Self.oracle(Empty()) }
        // Nested, an empty value is an empty object in both.
        try Self.expectSameBytes(["a": Empty()], "a nested value that writes nothing")
    }

    /// Nested containers handed out by `nestedContainer` and `superEncoder` (which
    /// synthesised code never uses) come out as JSONEncoder writes them, and a container
    /// written to after it completed is refused, never written in the wrong place.
    @Test func nestedContainersAndMisuse() throws {
        struct Nested: Encodable {
            enum Keys: String, CodingKey { case z, a, m, list }
            func encode(to encoder: Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(1, forKey: .z)
                var inner = container.nestedContainer(keyedBy: Keys.self, forKey: .m)
                try inner.encode("x", forKey: .z)
                try inner.encode("y", forKey: .a)
                var list = container.nestedUnkeyedContainer(forKey: .list)
                try list.encode(2.5)
                var deeper = list.nestedContainer(keyedBy: Keys.self)
                try deeper.encode(true, forKey: .a)
                try list.encode("after")
                try container.encode(0.5, forKey: .a)
            }
        }
        try Self.expectSameBytes(Nested(), "nested containers")
        try Self.expectSameBytes([Nested(), Nested()], "nested containers in an array")

        struct Late: Encodable {
            enum Keys: String, CodingKey { case a, b }
            func encode(to encoder: Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                var inner = container.nestedContainer(keyedBy: Keys.self, forKey: .a)
                try container.encode(1, forKey: .b)
                try inner.encode(2, forKey: .a)
            }
        }
        #expect(throws: EncodingError.self) { try PrettyJSON.encode(Late()) }
    }
}
