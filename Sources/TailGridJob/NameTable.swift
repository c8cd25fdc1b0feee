/// A table from names to values found by the names' UTF-8 bytes, so a reader holding
/// bytes (a CSV field) looks a name up without making a string of it. Byte-equal names
/// only: two spellings of one Unicode text are two entries, which costs a second parse
/// of the same name and nothing else.
struct NameTable<Value> {
    /// A name's bytes: the table's own copy, or the caller's for one lookup.
    struct Key: Hashable {
        let bytes: UnsafeBufferPointer<UInt8>

        static func == (lhs: Key, rhs: Key) -> Bool {
            lhs.bytes.count == rhs.bytes.count && lhs.bytes.elementsEqual(rhs.bytes)
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        }
    }

    /// Owns the copies of the keys' bytes; they live as long as the table.
    private final class Storage {
        var copies: [UnsafeMutableBufferPointer<UInt8>] = []
        deinit { for copy in copies { copy.deallocate() } }
    }

    private var values: [Key: Value] = [:]
    private let storage = Storage()

    subscript(name: UnsafeBufferPointer<UInt8>) -> Value? {
        values[Key(bytes: name)]
    }

    /// Adds (or replaces) the value of the name spelled by `name`, copying its bytes.
    mutating func insert(_ value: Value, for name: UnsafeBufferPointer<UInt8>) {
        if let existing = values.index(forKey: Key(bytes: name)) {
            values.values[existing] = value
            return
        }
        let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: name.count)
        _ = copy.initialize(from: name)
        storage.copies.append(copy)
        values[Key(bytes: UnsafeBufferPointer(copy))] = value
    }
}
