import Foundation

/// The `Encoder` of one value of a `PrettyJSON` document, at `depth` (the containers
/// around it): it writes the value where the buffer ends, and `complete` closes what
/// it opened.
final class PrettyJSONValueEncoder: Encoder {
    enum State {
        case empty
        /// An object whose entries start at `entryBase` (and their keys at `keyBase`) and
        /// whose text starts at `contentStart`.
        case object(entryBase: Int, keyBase: Int, contentStart: Int)
        /// An array with `count` elements written.
        case array(count: Int)
        case single
        case complete
    }

    let writer: PrettyJSONWriter
    let depth: Int
    let parent: PrettyJSONValueEncoder?
    /// This value's key in its parent object, or its index in its parent array.
    let key: PathComponent
    var state: State = .empty
    /// A nested container or super-encoder handed out and not yet complete, with the
    /// entry it fills in its parent object (nil: an array element).
    var pending: (encoder: PrettyJSONValueEncoder, entry: Int?)?

    /// Where a value stands in its parent: the key is made only for an error's coding
    /// path (an index's key is a string made per element).
    enum PathComponent {
        case none
        case key(CodingKey)
        case index(Int)

        var codingKey: CodingKey? {
            switch self {
            case .none: nil
            case .key(let key): key
            case .index(let index): PrettyJSONKey(index: index)
            }
        }
    }

    init(writer: PrettyJSONWriter, depth: Int, parent: PrettyJSONValueEncoder?, key: PathComponent) {
        self.writer = writer
        self.depth = depth
        self.parent = parent
        self.key = key
    }

    var codingPath: [CodingKey] {
        var path: [CodingKey] = []
        var encoder: PrettyJSONValueEncoder? = self
        while let current = encoder {
            if let key = current.key.codingKey { path.append(key) }
            encoder = current.parent
        }
        return path.reversed()
    }

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        switch state {
        case .object:
            break
        case .empty:
            writer.write("{\n")
            writer.wroteValue = true
            state = .object(entryBase: writer.entries.count, keyBase: writer.keyBytes.count, contentStart: writer.count)
        default:
            writer.misuse = "\(codingPath.map(\.stringValue)): a keyed container after another kind of value"
        }
        return KeyedEncodingContainer(PrettyJSONObjectContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        switch state {
        case .array:
            break
        case .empty:
            writer.write("[\n")
            writer.wroteValue = true
            state = .array(count: 0)
        default:
            writer.misuse = "\(codingPath.map(\.stringValue)): an unkeyed container after another kind of value"
        }
        return PrettyJSONArrayContainer(encoder: self)
    }

    func singleValueContainer() -> SingleValueEncodingContainer {
        PrettyJSONSingleValueContainer(encoder: self)
    }

    /// Where this object's entries start in the writer's list.
    var entryBase: Int {
        if case .object(let base, _, _) = state { return base }
        return writer.entries.count
    }

    /// Refuses a write to a container that is complete.
    func checkOpen() -> Bool {
        if case .complete = state {
            writer.misuse = "\(codingPath.map(\.stringValue)): a container written to after it was complete"
            return false
        }
        return true
    }

    /// Completes the nested container or super-encoder handed out last, and its entry.
    func completePending() throws {
        guard let (encoder, entry) = pending else { return }
        pending = nil
        try encoder.complete(emptyAs: "{\n\n")
        if let entry { writer.entries[entry].end = writer.count }
    }

    /// Closes what this value opened. A value that wrote nothing is written as
    /// `emptyAs` and its closing brace (JSONEncoder's empty object), or left empty (nil).
    func complete(emptyAs empty: StaticString?) throws {
        try completePending()
        switch state {
        case .empty:
            if let empty {
                writer.write(empty)
                writer.writeIndent(depth)
                writer.write(0x7D)
                writer.wroteValue = true
            }
        case .object(let entryBase, let keyBase, let contentStart):
            writer.closeObject(entryBase: entryBase, keyBase: keyBase, contentStart: contentStart, depth: depth)
        case .array:
            writer.write(0x0A)
            writer.writeIndent(depth)
            writer.write(0x5D)
        case .single, .complete:
            break
        }
        state = .complete
    }

    // MARK: Values

    /// Writes `value` here: the primitives and the collections `writeCollection` knows
    /// directly (`writeDirectly`), anything else by its own
    /// `encode(to:)` (through this encoder when it is fresh, else a child at this depth).
    /// A value that writes nothing is written as `emptyAs` and a closing brace, or is
    /// left empty (nil).
    func encodeValue<Value: Encodable>(_ value: Value, emptyAs empty: StaticString?) throws {
        if try writer.writeDirectly(value, depth: depth, codingPath: { self.codingPath }) { return }
        if case .empty = state, pending == nil {
            try value.encode(to: self)
            try complete(emptyAs: empty)
        } else {
            let child = PrettyJSONValueEncoder(writer: writer, depth: depth, parent: parent, key: key)
            try value.encode(to: child)
            try child.complete(emptyAs: empty)
        }
    }

    /// Writes `value` as the value of a new entry (an object's) or element (an array's)
    /// at `depth + 1`.
    func encodeChild<Value: Encodable>(_ value: Value, key: PathComponent) throws {
        if try writer.writeDirectly(value, depth: depth + 1,
                                    codingPath: { self.codingPath + (key.codingKey.map { [$0] } ?? []) }) { return }
        let child = PrettyJSONValueEncoder(writer: writer, depth: depth + 1, parent: self, key: key)
        try child.encodeValue(value, emptyAs: "{\n\n")
    }
}

/// A keyed container: each entry is written as it comes and the object put in key
/// order when it completes.
struct PrettyJSONObjectContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: PrettyJSONValueEncoder

    var codingPath: [CodingKey] { encoder.codingPath }

    /// Starts the entry for `key`: completes whatever was handed out before.
    private func begin(_ key: Key) throws -> Int? {
        try encoder.completePending()
        guard encoder.checkOpen() else { return nil }
        return encoder.writer.beginEntry(key: key.stringValue, depth: encoder.depth + 1, entryBase: encoder.entryBase)
    }

    private func end(_ entry: Int) {
        encoder.writer.entries[entry].end = encoder.writer.count
    }

    mutating func encodeNil(forKey key: Key) throws {
        guard let entry = try begin(key) else { return }
        encoder.writer.write("null")
        end(entry)
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        guard let entry = try begin(key) else { return }
        encoder.writer.write(value ? "true" : "false")
        end(entry)
    }

    mutating func encode(_ value: String, forKey key: Key) throws {
        guard let entry = try begin(key) else { return }
        encoder.writer.writeString(value)
        end(entry)
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        guard let entry = try begin(key) else { return }
        try encoder.writer.writeFloat(value, codingPath: { encoder.codingPath + [key] })
        end(entry)
    }

    mutating func encode(_ value: Int, forKey key: Key) throws {
        guard let entry = try begin(key) else { return }
        encoder.writer.writeInteger(value)
        end(entry)
    }

    mutating func encode<Value: Encodable>(_ value: Value, forKey key: Key) throws {
        guard let entry = try begin(key) else { return }
        try encoder.encodeChild(value, key: .key(key))
        end(entry)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                        forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        nestedEncoder(forKey: key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        nestedEncoder(forKey: key).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder {
        nestedEncoder(forKey: PrettyJSONKey("super") as CodingKey)
    }

    mutating func superEncoder(forKey key: Key) -> Encoder {
        nestedEncoder(forKey: key)
    }

    /// An encoder for the value of a new entry, completed when this object is next
    /// written to or completes.
    private func nestedEncoder(forKey key: CodingKey) -> PrettyJSONValueEncoder {
        do {
            try encoder.completePending()
        } catch {
            encoder.writer.misuse = "\(codingPath.map(\.stringValue)): \(error)"
        }
        let child = PrettyJSONValueEncoder(writer: encoder.writer, depth: encoder.depth + 1, parent: encoder, key: .key(key))
        guard encoder.checkOpen() else { return child }
        let entry = encoder.writer.beginEntry(key: key.stringValue, depth: encoder.depth + 1, entryBase: encoder.entryBase)
        encoder.pending = (child, entry)
        return child
    }
}

/// An unkeyed container: elements written in order.
struct PrettyJSONArrayContainer: UnkeyedEncodingContainer {
    let encoder: PrettyJSONValueEncoder

    var codingPath: [CodingKey] { encoder.codingPath }

    var count: Int {
        if case .array(let count) = encoder.state { return count }
        return 0
    }

    /// Starts the next element: completes whatever was handed out before, writes the
    /// separator and the indent.
    private func begin() throws -> Bool {
        try encoder.completePending()
        guard encoder.checkOpen(), case .array(let count) = encoder.state else { return false }
        if count > 0 { encoder.writer.write(",\n") }
        encoder.writer.writeIndent(encoder.depth + 1)
        encoder.state = .array(count: count + 1)
        return true
    }

    mutating func encodeNil() throws {
        guard try begin() else { return }
        encoder.writer.write("null")
    }

    mutating func encode(_ value: Bool) throws {
        guard try begin() else { return }
        encoder.writer.write(value ? "true" : "false")
    }

    mutating func encode(_ value: String) throws {
        guard try begin() else { return }
        encoder.writer.writeString(value)
    }

    mutating func encode(_ value: Double) throws {
        guard try begin() else { return }
        try encoder.writer.writeFloat(value, codingPath: { encoder.codingPath + [PrettyJSONKey(index: count - 1)] })
    }

    mutating func encode(_ value: Int) throws {
        guard try begin() else { return }
        encoder.writer.writeInteger(value)
    }

    mutating func encode<Value: Encodable>(_ value: Value) throws {
        guard try begin() else { return }
        try encoder.encodeChild(value, key: .index(count - 1))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        nestedEncoder().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        nestedEncoder().unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder {
        nestedEncoder()
    }

    /// An encoder for a new element, completed when this array is next written to or
    /// completes.
    private func nestedEncoder() -> PrettyJSONValueEncoder {
        var started = false
        do {
            started = try begin()
        } catch {
            encoder.writer.misuse = "\(codingPath.map(\.stringValue)): \(error)"
        }
        let child = PrettyJSONValueEncoder(writer: encoder.writer, depth: encoder.depth + 1, parent: encoder,
                                           key: .index(count - 1))
        if started { encoder.pending = (child, nil) }
        return child
    }
}

/// A single value: written where the value stands.
struct PrettyJSONSingleValueContainer: SingleValueEncodingContainer {
    let encoder: PrettyJSONValueEncoder

    var codingPath: [CodingKey] { encoder.codingPath }

    /// True when nothing was written for this value yet.
    private func begin() -> Bool {
        guard case .empty = encoder.state else {
            encoder.writer.misuse = "\(codingPath.map(\.stringValue)): a second value in a single-value container"
            return false
        }
        encoder.state = .single
        encoder.writer.wroteValue = true
        return true
    }

    mutating func encodeNil() throws {
        guard begin() else { return }
        encoder.writer.write("null")
    }

    mutating func encode(_ value: Bool) throws {
        guard begin() else { return }
        encoder.writer.write(value ? "true" : "false")
    }

    mutating func encode(_ value: String) throws {
        guard begin() else { return }
        encoder.writer.writeString(value)
    }

    mutating func encode(_ value: Double) throws {
        guard begin() else { return }
        try encoder.writer.writeFloat(value, codingPath: { encoder.codingPath })
    }

    mutating func encode(_ value: Int) throws {
        guard begin() else { return }
        encoder.writer.writeInteger(value)
    }

    mutating func encode<Value: Encodable>(_ value: Value) throws {
        guard begin() else { return }
        try encoder.encodeValue(value, emptyAs: "{\n\n")
    }
}

/// A coding key for an array index or a super-encoder.
struct PrettyJSONKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(_ string: String) {
        stringValue = string
        intValue = nil
    }

    init(index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }

    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { self.init(index: intValue) }
}
