import Yams

/// Defences against YAML alias bombs, which make a small file expand into a huge tree
/// (each level of aliases multiplies the nodes) or, with aliases as mapping keys, make
/// composing the tree hash ever larger keys.
///
/// - Before composing: an alias in a key position (`*a: ...`, `? *a`, `{ *a: ... }`) is
///   refused. A job file's keys are plain names, so this costs nothing legitimate.
/// - After composing: the tree, with every alias expanded, may hold at most one node per
///   byte of the file plus 10,000; a file without aliases never comes close.
enum YAMLAliasGuard {
    /// Refuses aliases used as keys; `text` is the whole file.
    static func checkKeys(_ text: String, file: String) throws(JobError) {
        let bytes = Array(text.utf8)
        var line = 1
        var index = 0
        var atLineStart = true
        var previous: UInt8 = UInt8(ascii: "\n")
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                atLineStart = true
                previous = byte
                index += 1
                continue
            case UInt8(ascii: "#") where previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t") || atLineStart
                || previous == UInt8(ascii: "\n"):
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
                continue
            case let quote where (quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"")) && isNodeStart(previous):
                // Skip a quoted scalar ('' and \" escapes).
                index += 1
                while index < bytes.count {
                    if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                    if quote == UInt8(ascii: "\"") && bytes[index] == UInt8(ascii: "\\") { index += 2; continue }
                    if bytes[index] == quote {
                        if quote == UInt8(ascii: "'") && index + 1 < bytes.count && bytes[index + 1] == quote { index += 2; continue }
                        break
                    }
                    index += 1
                }
            case UInt8(ascii: "*") where isNodeStart(previous) || atLineStart:
                var end = index + 1
                while end < bytes.count, isAnchorCharacter(bytes[end]) { end += 1 }
                if end > index + 1 {
                    var after = end
                    while after < bytes.count && bytes[after] == UInt8(ascii: " ") { after += 1 }
                    let keyFollows = after < bytes.count && bytes[after] == UInt8(ascii: ":")
                    let complexKey = previousNonSpace(bytes, before: index) == UInt8(ascii: "?")
                    if keyFollows || complexKey {
                        throw JobError(.data, file: file, line: line, "an alias (*\(String(decoding: bytes[(index + 1)..<end], as: UTF8.self))) is used as a mapping key; keys must be plain names")
                    }
                }
            default:
                break
            }
            if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t") { atLineStart = false }
            previous = byte
            index += 1
        }
    }

    /// Refuses a tree that aliases expand beyond one node per byte of the file plus 10,000.
    static func checkExpansion(_ root: Node, fileBytes: Int, file: String) throws(JobError) {
        let limit = fileBytes + 10_000
        var count = 0
        var stack: [Node] = [root]
        while let node = stack.popLast() {
            count += 1
            if count > limit {
                throw JobError(.data, file: file, "its aliases expand to more than \(limit) YAML nodes; write the values out or use a positions file")
            }
            switch node {
            case .scalar, .alias: break
            case .sequence(let sequence): stack.append(contentsOf: sequence)
            case .mapping(let mapping):
                for (key, value) in mapping {
                    stack.append(key)
                    stack.append(value)
                }
            }
        }
    }

    static func isNodeStart(_ byte: UInt8) -> Bool {
        [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","),
         UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "?")].contains(byte)
    }

    static func isAnchorCharacter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            || byte >= 0x80
    }

    static func previousNonSpace(_ bytes: [UInt8], before index: Int) -> UInt8? {
        var position = index - 1
        while position >= 0 && (bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t")) { position -= 1 }
        return position >= 0 ? bytes[position] : nil
    }
}
