import Foundation

extension PrettyJSONWriter {
    /// Writes `value` without an encoder when it is a primitive (`writePrimitive`) or one
    /// of the collections `writeCollection` knows, at `depth`; false for anything else.
    func writeDirectly<Value: Encodable>(_ value: Value, depth: Int, codingPath: () -> [CodingKey]) throws -> Bool {
        try writePrimitive(value, codingPath: codingPath) || writeCollection(value, depth: depth, codingPath: codingPath)
    }

    /// Writes `value` when it is one of the collections a result document holds in every
    /// account (its histogram's counts, its figures by confidence level: `[Int]`,
    /// `[Double]`, `[UInt64]`, and `[String: Double]`, `[String: [Double]]`,
    /// `[String: UInt64]`, `[String: Int]`) at `depth`, the bytes their own
    /// `encode(to:)` gives through this encoder; false for anything else. Through
    /// `encode(to:)` each element took an encoder and a container, and a dictionary's
    /// entries came in hash order, to be put in key order after they were written: half of
    /// result.json's time. By type identity, as `writePrimitive`.
    func writeCollection<Value: Encodable>(_ value: Value, depth: Int, codingPath: () -> [CodingKey]) throws -> Bool {
        func `is`<Other>(_ type: Other.Type) -> Bool { Value.self == Other.self }
        func `as`<Other>(_ type: Other.Type) -> Other { unsafeBitCast(value, to: Other.self) }
        if `is`([Int].self) {
            writeArray(`as`([Int].self), depth: depth) { element, _ in writeInteger(element) }
        } else if `is`([Double].self) {
            try writeArray(`as`([Double].self), depth: depth) { element, index in
                try writeFloat(element, codingPath: { codingPath() + [PrettyJSONKey(index: index)] })
            }
        } else if `is`([UInt64].self) {
            writeArray(`as`([UInt64].self), depth: depth) { element, _ in writeInteger(element) }
        } else if `is`([String: Double].self) {
            try writeObject(`as`([String: Double].self), depth: depth) { value, key in
                try writeFloat(value, codingPath: { codingPath() + [PrettyJSONKey(key)] })
            }
        } else if `is`([String: [Double]].self) {
            try writeObject(`as`([String: [Double]].self), depth: depth) { values, key in
                try writeArray(values, depth: depth + 1) { element, index in
                    try writeFloat(element, codingPath: { codingPath() + [PrettyJSONKey(key), PrettyJSONKey(index: index)] })
                }
            }
        } else if `is`([String: UInt64].self) {
            writeObject(`as`([String: UInt64].self), depth: depth) { value, _ in writeInteger(value) }
        } else if `is`([String: Int].self) {
            writeObject(`as`([String: Int].self), depth: depth) { value, _ in writeInteger(value) }
        } else {
            return false
        }
        return true
    }

    /// An array as an unkeyed container writes it: `[`, each element on a line of its own
    /// at `depth + 1` (`,` between them), the closing `]` on a line at `depth`;
    /// `[\n\n` and the indented `]` when empty.
    func writeArray<Element>(_ elements: [Element], depth: Int, element write: (Element, Int) throws -> Void) rethrows {
        self.write("[\n")
        wroteValue = true
        for (index, element) in elements.enumerated() {
            if index > 0 { self.write(",\n") }
            writeIndent(depth + 1)
            try write(element, index)
        }
        self.write(0x0A)
        writeIndent(depth)
        self.write(0x5D)
    }

    /// A dictionary with string keys as a keyed container writes it once its entries are
    /// put in order: `{`, each entry (its quoted key, ` : `, its value) on a line of its
    /// own at `depth + 1` in the order of the keys' UTF-8 bytes, the closing `}` on a line
    /// at `depth`; `{\n\n` and the indented `}` when empty.
    func writeObject<Value>(_ dictionary: [String: Value], depth: Int, value write: (Value, String) throws -> Void) rethrows {
        self.write("{\n")
        wroteValue = true
        let entries = dictionary.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        for (index, entry) in entries.enumerated() {
            if index > 0 { self.write(",\n") }
            writeIndent(depth + 1)
            writeString(entry.key)
            self.write(" : ")
            try write(entry.value, entry.key)
        }
        self.write(0x0A)
        writeIndent(depth)
        self.write(0x7D)
    }
}
