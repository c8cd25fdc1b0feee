import Foundation

/// An RFC 4180 reader: comma-separated fields, optionally in double quotes (a quote
/// inside is written twice), records ending in LF or CRLF, a quoted field may span lines.
///
/// Works on bytes and streams: each record is handed to the caller as it is read, in one
/// fields array reused from record to record, and an unquoted field (nearly all of them)
/// is the file's own bytes until a caller asks for its string. A 400,000-row positions file is read without
/// a copy of itself as records.
struct CSVReader {
    struct Record {
        /// 1-based line where the record starts.
        let line: Int
        let fields: [String]
    }

    /// The records of a file's bytes, refusing text that is not UTF-8 and malformed CSV
    /// with the file and line.
    static func records(of bytes: Data, file: String) throws(JobError) -> [Record] {
        var records: [Record] = []
        try forEachRecord(of: bytes, file: file) { (record: Record) throws(JobError) in records.append(record) }
        return records
    }

    /// A field as read: an unquoted one (nearly all) as the file's own UTF-8 bytes, valid
    /// only while the record is handed over; a quoted one as its text.
    enum Field {
        case plain(UnsafeBufferPointer<UInt8>)
        case quoted(String)

        var string: String {
            switch self {
            case .plain(let bytes): String(decoding: bytes, as: UTF8.self)
            case .quoted(let text): text
            }
        }
    }

    /// Calls `body` with each record of a file's bytes in order (blank lines skipped),
    /// after refusing text that is not UTF-8; malformed CSV is refused with the file and
    /// line, once the records before it have been handed over.
    static func forEachRecord(of bytes: Data, file: String,
                              _ body: (Record) throws(JobError) -> Void) throws(JobError) {
        var strings: [String] = []
        try forEachRawRecord(of: bytes, file: file) { (line: Int, fields: [Field]) throws(JobError) in
            strings.removeAll(keepingCapacity: true)
            for field in fields { strings.append(field.string) }
            try body(Record(line: line, fields: strings))
        }
    }

    /// `forEachRecord` with the fields as read, for a reader that looks at most of them
    /// as bytes (a 400,000-row positions file) rather than as strings: the record's line
    /// and its fields, in one array reused from record to record.
    static func forEachRawRecord(of bytes: Data, file: String,
                                 _ body: (_ line: Int, _ fields: [Field]) throws(JobError) -> Void) throws(JobError) {
        // The file's own bytes, checked in place (a `UTF8Span`: no copy of a 13 MB file as
        // an array, then as a string, to be thrown away).
        var failure: JobError?
        bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard (try? UTF8Span(validating: bytes.span)) != nil else {
                failure = JobError(.data, file: file, "is not UTF-8 text")
                return
            }
            var scanner = Scanner(bytes: bytes, file: file)
            var fields: [Field] = []
            do throws(JobError) {
                while let line = try scanner.next(into: &fields) { try body(line, fields) }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// Reads one record at a time from UTF-8 bytes.
    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        let file: String
        var index = 0
        var line = 1

        static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"),
                   cr = UInt8(ascii: "\r"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

        init(bytes: UnsafeBufferPointer<UInt8>, file: String) {
            self.bytes = bytes
            self.file = file
        }

        /// The next record that has content, its fields in `fields` (emptied first, its
        /// storage kept when no one else holds it); the record's line, or nil at the end.
        mutating func next(into fields: inout [Field]) throws(JobError) -> Int? {
            while index < bytes.count {
                let recordLine = line
                fields.removeAll(keepingCapacity: true)
                var hasContent = false
                var atEnd = false
                while !atEnd {
                    let (field, content, ended) = try readField(line: recordLine)
                    fields.append(field)
                    hasContent = hasContent || content
                    atEnd = ended
                }
                if hasContent { return recordLine }
            }
            return nil
        }

        /// Reads one field and the separator after it; `ended` when a newline or the end of
        /// the bytes closed the record. `content` when the field holds more than blanks
        /// (or a separator follows it, which makes the record non-blank).
        mutating func readField(line recordLine: Int) throws(JobError) -> (field: Field, content: Bool, ended: Bool) {
            let start = index
            var content = false
            // Leading spaces, then either a quoted field or the plain bytes to a separator.
            while index < bytes.count && bytes[index] == Self.space { index += 1 }
            if index < bytes.count && bytes[index] == Self.quote {
                let field = Field.quoted(try readQuoted(recordLine: recordLine))
                while index < bytes.count {
                    let byte = bytes[index]
                    if byte == Self.comma { index += 1; return (field, true, false) }
                    if byte == Self.newline { index += 1; line += 1; return (field, true, true) }
                    guard byte == Self.space || byte == Self.cr else {
                        throw JobError(.data, file: file, line: line, "text after the closing quote of a field")
                    }
                    index += 1
                }
                return (field, true, true)
            }
            var end = index
            while end < bytes.count {
                let byte = bytes[end]
                if byte == Self.comma || byte == Self.newline { break }
                if byte == Self.quote {
                    throw JobError(.data, file: file, line: line,
                                   "a quote inside an unquoted field (quote the whole field and double the quote)")
                }
                if byte != Self.space && byte != Self.tab && byte != Self.cr { content = true }
                end += 1
            }
            var fieldEnd = end
            // A CR right before the LF belongs to the line end, not the field.
            if end < bytes.count && bytes[end] == Self.newline && fieldEnd > start && bytes[fieldEnd - 1] == Self.cr {
                fieldEnd -= 1
            }
            let field = Field.plain(UnsafeBufferPointer(rebasing: bytes[start..<fieldEnd]))
            guard end < bytes.count else {
                index = end
                return (field, content, true)
            }
            index = end + 1
            if bytes[end] == Self.comma { return (field, true, false) }
            line += 1
            return (field, content, true)
        }

        /// Reads a quoted field from its opening quote through its closing quote.
        mutating func readQuoted(recordLine: Int) throws(JobError) -> String {
            index += 1
            var field: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                if byte == Self.quote {
                    if index + 1 < bytes.count && bytes[index + 1] == Self.quote {
                        field.append(Self.quote)
                        index += 2
                        continue
                    }
                    index += 1
                    return String(decoding: field, as: UTF8.self)
                }
                if byte == Self.newline { line += 1 }
                field.append(byte)
                index += 1
            }
            throw JobError(.data, file: file, line: recordLine, "a quoted field is never closed")
        }
    }
}
