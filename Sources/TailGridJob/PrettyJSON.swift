import Foundation

/// TailGrid's JSON documents as `JSONEncoder` writes them with `.prettyPrinted`,
/// `.sortedKeys` and `.withoutEscapingSlashes`, byte for byte, written straight into
/// one buffer instead of through JSONEncoder's tree of boxed values (which took 1 s for
/// the result.json of 20,000 accounts, and a tenth of a 2,000-account run).
///
/// The format is swift-foundation's `JSONWriter`: two spaces per level, `" : "` after a
/// key, `"[\n\n]"` and `"{\n\n}"` (indented) when empty, keys in the order of their UTF-8
/// bytes (a key written twice keeps its last value), a `Double` or `Float` as its
/// `description` less a trailing `".0"` (NaN and infinities refused), an integer in
/// decimal, strings with `"`, `\` and the control characters escaped (`\b \f \n \r \t`,
/// else `\u00xx`) and everything else as its UTF-8. `Data` is written as base64, `URL`
/// as its absolute string and `Decimal` as its description, as JSONEncoder's defaults
/// do. `PrettyJSONTests` holds it to JSONEncoder on result documents and on random
/// ones.
///
/// Codable says when a value's containers are complete (its `encode(to:)` returns) but
/// not when a nested container is: one is complete when its parent is next written to
/// or completes. Containers written to after that (legal in Codable, never done by
/// synthesised conformances) are refused with an error rather than written wrongly.
public enum PrettyJSON {
    /// The document's bytes, without a final newline (as JSONEncoder) unless `newline`.
    public static func encode(_ value: some Encodable, newline: Bool = false) throws -> Data {
        try encode(value, newline: newline, depth: 0)
    }

    /// The bytes `value` has as a value `depth` levels down a document (its indents and
    /// closing bracket at that depth; the first line not indented, as after a key), so
    /// that parts of one document can be encoded apart (`ResultJSONPieces`).
    static func encode(_ value: some Encodable, newline: Bool = false, depth: Int) throws -> Data {
        let writer = PrettyJSONWriter()
        let encoder = PrettyJSONValueEncoder(writer: writer, depth: depth, parent: nil, key: .none)
        try encoder.encodeValue(value, emptyAs: nil)
        if let misuse = writer.misuse {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: misuse))
        }
        guard writer.wroteValue else {
            throw EncodingError.invalidValue(value, .init(
                codingPath: [], debugDescription: "Top-level \(type(of: value)) did not encode any values."))
        }
        if newline { writer.write(0x0A) }
        guard !writer.output.pointee.failed else {
            throw EncodingError.invalidValue(value, .init(
                codingPath: [], debugDescription: "Out of memory after \(writer.count) bytes of \(type(of: value))."))
        }
        return writer.output.pointee.takeData()
    }
}

/// The output buffer and the entries of the objects still open, shared by every
/// encoder and container of one document.
final class PrettyJSONWriter {
    /// One key and value of an open object: the key's UTF-8 in `keyBytes`, and the
    /// entry's text (indent, quoted key, `" : "`, value) in `bytes`.
    struct Entry {
        var keyStart: Int
        var keyCount: Int
        var start: Int
        var end: Int
    }

    /// What the writer keeps besides its output: the open objects' entries and keys, the
    /// room `reorder` works in, and the document's flags.
    struct Book {
        var entries: [Entry] = []
        var keyBytes: [UInt8] = []
        var scratch: [UInt8] = []
        var order: [Int] = []
        var wroteValue = false
        var misuse: String?
    }

    /// The output and the book, through pointers: a class's stored property pays a
    /// dynamic exclusivity check at every access (an append to the output was a fifth of
    /// the time; the entries and keys, written per key, 14% of result.json's samples).
    let output: UnsafeMutablePointer<PrettyJSONOutput>
    let book: UnsafeMutablePointer<Book>

    var entries: [Entry] {
        _read { yield book.pointee.entries }
        _modify { yield &book.pointee.entries }
    }
    var keyBytes: [UInt8] {
        _read { yield book.pointee.keyBytes }
        _modify { yield &book.pointee.keyBytes }
    }
    var scratch: [UInt8] {
        _read { yield book.pointee.scratch }
        _modify { yield &book.pointee.scratch }
    }
    var order: [Int] {
        _read { yield book.pointee.order }
        _modify { yield &book.pointee.order }
    }
    /// Whether any value reached the buffer (a top-level value that encodes nothing is an error).
    var wroteValue: Bool {
        get { book.pointee.wroteValue }
        set { book.pointee.wroteValue = newValue }
    }
    /// Set when containers were used out of order; the document is then refused.
    var misuse: String? {
        get { book.pointee.misuse }
        set { book.pointee.misuse = newValue }
    }

    init() {
        output = .allocate(capacity: 1)
        output.initialize(to: PrettyJSONOutput(capacity: 1 << 16))
        book = .allocate(capacity: 1)
        book.initialize(to: Book())
    }

    deinit {
        output.pointee.free()
        output.deinitialize(count: 1)
        output.deallocate()
        book.deinitialize(count: 1)
        book.deallocate()
    }

    var count: Int { output.pointee.count }

    @inline(__always)
    func write(_ byte: UInt8) {
        output.pointee.append(byte)
    }

    @inline(__always)
    func write(_ text: StaticString) {
        output.pointee.append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        output.pointee.append(bytes)
    }

    static let spaces = [UInt8](repeating: 0x20, count: 64)

    func writeIndent(_ depth: Int) {
        var left = 2 * depth
        while left > 0 {
            let count = Swift.min(left, Self.spaces.count)
            Self.spaces.withUnsafeBufferPointer { write(UnsafeBufferPointer(rebasing: $0[..<count])) }
            left -= count
        }
    }

    /// `text` quoted, escaped as swift-foundation escapes it (slashes left plain).
    func writeString(_ text: String) {
        var text = text
        write(0x22)
        text.withUTF8 { utf8 in
            var mark = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                if index > mark { write(UnsafeBufferPointer(rebasing: utf8[mark..<index])) }
                write(0x5C)
                switch byte {
                case 0x22: write(0x22)
                case 0x5C: write(0x5C)
                case 0x08: write(UInt8(ascii: "b"))
                case 0x0C: write(UInt8(ascii: "f"))
                case 0x0A: write(UInt8(ascii: "n"))
                case 0x0D: write(UInt8(ascii: "r"))
                case 0x09: write(UInt8(ascii: "t"))
                default:
                    write("u00")
                    write(Self.hexDigit(byte >> 4))
                    write(Self.hexDigit(byte & 0xF))
                }
                mark = index + 1
            }
            if utf8.count > mark { write(UnsafeBufferPointer(rebasing: utf8[mark...])) }
        }
        write(0x22)
    }

    static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? value + UInt8(ascii: "0") : value - 10 + UInt8(ascii: "a")
    }

    func writeInteger(_ value: UInt64, negative: Bool) {
        if negative { write(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { raw in
            var position = raw.count
            var rest = value
            repeat {
                position -= 1
                raw[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            write(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[position...]))
        }
    }

    func writeInteger<Integer: BinaryInteger>(_ value: Integer) {
        if let small = Int64(exactly: value) {
            writeInteger(small.magnitude, negative: small < 0)
        } else if let large = UInt64(exactly: value) {
            writeInteger(large, negative: false)
        } else {
            var text = value.description
            text.withUTF8 { write($0) }
        }
    }

    /// A finite float as its `description` less a trailing ".0".
    func writeFloat<Float: BinaryFloatingPoint & CustomStringConvertible>(_ value: Float, codingPath: () -> [CodingKey]) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(
                codingPath: codingPath(), debugDescription: "Unable to encode \(Float.self).\(value) directly in JSON."))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        text.withUTF8 { write($0) }
    }

    /// Writes `value` when it is a number, a string, a Boolean or one of the Foundation
    /// values JSONEncoder writes as one (Data, URL, Decimal); false for anything else.
    /// By type identity, not by casts: a failed cast per type was paid by every object.
    func writePrimitive<Value: Encodable>(_ value: Value, codingPath: () -> [CodingKey]) throws -> Bool {
        func `is`<Other>(_ type: Other.Type) -> Bool { Value.self == Other.self }
        func `as`<Other>(_ type: Other.Type) -> Other { unsafeBitCast(value, to: Other.self) }
        if `is`(Double.self) {
            try writeFloat(`as`(Double.self), codingPath: codingPath)
        } else if `is`(Int.self) {
            writeInteger(`as`(Int.self))
        } else if `is`(String.self) {
            writeString(`as`(String.self))
        } else if `is`(Bool.self) {
            write(`as`(Bool.self) ? "true" : "false")
        } else if `is`(Float.self) {
            try writeFloat(`as`(Float.self), codingPath: codingPath)
        } else if `is`(Int64.self) {
            writeInteger(`as`(Int64.self))
        } else if `is`(UInt64.self) {
            writeInteger(`as`(UInt64.self))
        } else if `is`(Int32.self) {
            writeInteger(`as`(Int32.self))
        } else if `is`(UInt32.self) {
            writeInteger(`as`(UInt32.self))
        } else if `is`(Int16.self) {
            writeInteger(`as`(Int16.self))
        } else if `is`(UInt16.self) {
            writeInteger(`as`(UInt16.self))
        } else if `is`(Int8.self) {
            writeInteger(`as`(Int8.self))
        } else if `is`(UInt8.self) {
            writeInteger(`as`(UInt8.self))
        } else if `is`(UInt.self) {
            writeInteger(`as`(UInt.self))
        } else if `is`(Data.self) {
            writeString(`as`(Data.self).base64EncodedString())
        } else if `is`(URL.self) {
            writeString(`as`(URL.self).absoluteString)
        } else if `is`(Decimal.self) {
            var text = `as`(Decimal.self).description
            text.withUTF8 { write($0) }
        } else {
            return false
        }
        wroteValue = true
        return true
    }

    /// Starts an entry of the object whose entries start at `base`: writes the separator
    /// (unless it is the first), records the entry's key and start, and writes its indent
    /// and quoted key.
    func beginEntry(key: String, depth: Int, entryBase base: Int) -> Int {
        let index = entries.count
        if index > base { write(",\n") }
        let keyStart = keyBytes.count
        keyBytes.append(contentsOf: key.utf8)
        entries.append(Entry(keyStart: keyStart, keyCount: keyBytes.count - keyStart, start: count, end: -1))
        writeIndent(depth)
        writeString(key)
        write(" : ")
        return index
    }

    /// Closes the object whose entries start at `base` and whose text starts at
    /// `contentStart` (after its "{\n"): its entries in key order, then its closing brace
    /// at `depth`.
    func closeObject(entryBase base: Int, keyBase: Int, contentStart: Int, depth: Int) {
        // Entries written in key order are in place, with their separators.
        if needsReordering(base: base) { reorder(base: base, contentStart: contentStart) }
        entries.removeSubrange(base...)
        keyBytes.removeSubrange(keyBase...)
        write(0x0A)
        writeIndent(depth)
        write(0x7D)
    }

    /// True unless the keys are strictly increasing as written.
    private func needsReordering(base: Int) -> Bool {
        guard entries.count - base > 1 else { return false }
        for index in (base + 1)..<entries.count where !keyPrecedes(entries[index - 1], entries[index]) {
            return true
        }
        return false
    }

    /// The entries in key order, a key written twice keeping its last value.
    ///
    /// The largest entry is moved once, in place; only the others go through `scratch`.
    /// (Copying the whole object out and back doubled the memory of result.json, whose
    /// `accounts` is written late and sorts first.)
    private func reorder(base: Int, contentStart: Int) {
        order.removeAll(keepingCapacity: true)
        order.append(contentsOf: base..<entries.count)
        // Ties keep the order written, so the last of equal keys is the last of its run.
        order.sort { left, right in
            let a = entries[left]
            let b = entries[right]
            if keyPrecedes(a, b) { return true }
            if keyPrecedes(b, a) { return false }
            return left < right
        }
        var kept = 0
        for position in order.indices {
            if position + 1 < order.count, !keyPrecedes(entries[order[position]], entries[order[position + 1]]) { continue }
            order[kept] = order[position]
            kept += 1
        }
        order.removeSubrange(kept...)
        func length(_ position: Int) -> Int { entries[order[position]].end - entries[order[position]].start }
        var largest = 0
        for position in order.indices where length(position) > length(largest) { largest = position }
        // Save every other entry, in the new order, before anything is overwritten.
        scratch.removeAll(keepingCapacity: true)
        for position in order.indices where position != largest {
            let entry = entries[order[position]]
            output.pointee.copy(entry.start..<entry.end, into: &scratch)
        }
        let separator: StaticString = ",\n"
        let separatorBytes = UnsafeBufferPointer(start: separator.utf8Start, count: separator.utf8CodeUnitCount)
        var largestStart = contentStart
        for position in 0..<largest { largestStart += length(position) + separatorBytes.count }
        output.pointee.move(from: entries[order[largest]].start, count: length(largest), to: largestStart)
        var at = contentStart
        var from = 0
        scratch.withUnsafeBufferPointer { saved in
            for position in order.indices {
                if position > 0 {
                    output.pointee.overwrite(at: at, with: separatorBytes)
                    at += separatorBytes.count
                }
                let count = length(position)
                if position != largest {
                    output.pointee.overwrite(at: at, with: UnsafeBufferPointer(rebasing: saved[from..<(from + count)]))
                    from += count
                }
                at += count
            }
        }
        output.pointee.truncate(to: at)
    }

    /// Whether `a`'s key comes before `b`'s in UTF-8 byte order.
    private func keyPrecedes(_ a: Entry, _ b: Entry) -> Bool {
        keyBytes.withUnsafeBufferPointer { keys in
            let common = Swift.min(a.keyCount, b.keyCount)
            let order = common == 0 ? 0 : memcmp(keys.baseAddress! + a.keyStart, keys.baseAddress! + b.keyStart, common)
            return order != 0 ? order < 0 : a.keyCount < b.keyCount
        }
    }
}
