import Yams

/// A node of a job file with the path that leads to it, so every error can say where.
struct YAMLField {
    let node: Node
    let location: Location
    let file: String

    /// Where a field sits: kept as links to its parent and spelled out ("accounts[12].id")
    /// only when a message needs it. A book's file has hundreds of thousands of fields,
    /// and formatting each one's path was a sixth of loading it.
    indirect enum Location {
        case named(String)
        case key(Location, String)
        case index(Location, Int)

        var path: String {
            switch self {
            case .named(let name): name
            case .key(let parent, let key):
                switch parent.path {
                case "": key
                case let parentPath: "\(parentPath).\(key)"
                }
            case .index(let parent, let index): "\(parent.path)[\(index)]"
            }
        }
    }

    init(node: Node, path: String, file: String) {
        self.init(node: node, location: .named(path), file: file)
    }

    init(node: Node, location: Location, file: String) {
        self.node = node
        self.location = location
        self.file = file
    }

    /// The path from the top of the file ("accounts[12].collateral.USD"); empty at the top.
    var path: String { location.path }

    var line: Int? { node.mark.map { $0.line } }

    func error(_ message: String) -> JobError {
        JobError(.data, file: file, field: path.isEmpty ? "(top level)" : path, line: line, message)
    }

    func child(_ key: String, _ node: Node) -> YAMLField {
        YAMLField(node: node, location: .key(location, key), file: file)
    }

    func element(_ index: Int, _ node: Node) -> YAMLField {
        YAMLField(node: node, location: .index(location, index), file: file)
    }

    /// What the node is, for messages: "a mapping", "the list [...]", "'abc'".
    var shown: String {
        switch node {
        case .scalar(let scalar): scalar.string.isEmpty ? "nothing" : "'\(JobError.shown(scalar.string))'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    // MARK: Scalars

    func string() throws(JobError) -> String {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            throw error("expected a text value, got \(shown)")
        }
        return scalar.string
    }

    /// A scalar's text with YAML's digit separators ("1_000_000") taken out; nil for a
    /// list or a mapping. Most numbers have none, and a book has hundreds of thousands.
    private var numeral: String? {
        guard case .scalar(let scalar) = node else { return nil }
        guard scalar.string.utf8.contains(UInt8(ascii: "_")) else { return scalar.string }
        return scalar.string.replacingOccurrences(of: "_", with: "")
    }

    func double() throws(JobError) -> Double {
        guard let numeral, let value = DecimalText.double(numeral),
              value.isFinite else {
            throw error("expected a number, got \(shown)")
        }
        return value
    }

    func double(in range: ClosedRange<Double>, open: Bool = false, _ what: String) throws(JobError) -> Double {
        let value = try double()
        let inside = open ? (value > range.lowerBound && value < range.upperBound) : range.contains(value)
        guard inside else { throw error("expected \(what), got \(value)") }
        return value
    }

    func integer() throws(JobError) -> Int {
        guard let numeral, let value = Int(numeral) else {
            throw error("expected a whole number, got \(shown)")
        }
        return value
    }

    /// A whole number in `range`.
    func integer(in range: ClosedRange<Int>) throws(JobError) -> Int {
        let value = try integer()
        guard range.contains(value) else {
            throw error("expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
        return value
    }

    /// One of the named values of `T` ("expected a, b or c, got 'x'").
    func choice<T: RawRepresentable & CaseIterable>(_: T.Type) throws(JobError) -> T where T.RawValue == String {
        let text = try string()
        guard let value = T(rawValue: text) else {
            let names = T.allCases.map(\.rawValue)
            let listed = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names.joined()
            throw error("expected \(listed), got '\(JobError.shown(text))'")
        }
        return value
    }

    func unsigned64() throws(JobError) -> UInt64 {
        guard let numeral, let value = UInt64(numeral) else {
            throw error("expected a whole number from 0 to \(UInt64.max), got \(shown)")
        }
        return value
    }

    // MARK: Collections

    func sequence() throws(JobError) -> [YAMLField] {
        guard case .sequence(let sequence) = node else { throw error("expected a list, got \(shown)") }
        return sequence.enumerated().map { element($0.offset, $0.element) }
    }

    /// The node as a mapping whose keys must all be in `allowed`.
    func mapping(allowed: [String]) throws(JobError) -> YAMLMapping {
        let mapping = try anyMapping()
        for (key, field) in mapping.entries where !allowed.contains(key) {
            throw field.error("unknown key '\(key)'; expected one of: \(allowed.joined(separator: ", "))")
        }
        return mapping
    }

    /// The node as a mapping with keys chosen by the user (symbols, currencies).
    func anyMapping() throws(JobError) -> YAMLMapping {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping, got \(shown)") }
        var entries: [(String, YAMLField)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode, !key.string.isEmpty else {
                throw error("keys must be plain text")
            }
            guard !entries.contains(where: { $0.0 == key.string }) else {
                throw child(key.string, value).error("'\(key.string)' appears twice")
            }
            entries.append((key.string, child(key.string, value)))
        }
        return YAMLMapping(field: self, entries: entries)
    }
}

/// A mapping of a job file, in the order written.
struct YAMLMapping {
    let field: YAMLField
    let entries: [(String, YAMLField)]

    func optional(_ key: String) -> YAMLField? {
        entries.first { $0.0 == key }?.1
    }

    func required(_ key: String) throws(JobError) -> YAMLField {
        guard let value = optional(key) else {
            let where_ = field.path.isEmpty ? "" : " in \(field.path)"
            throw JobError(.data, file: field.file, field: field.path.isEmpty ? key : "\(field.path).\(key)",
                           line: field.line, "missing required key '\(key)'\(where_)")
        }
        return value
    }
}
