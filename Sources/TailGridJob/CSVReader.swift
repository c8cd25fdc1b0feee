import Foundation

/// An RFC 4180 reader: comma-separated fields, optionally in double quotes (a quote
/// inside is written twice), records ending in LF or CRLF, a quoted field may span lines.
/// Works on bytes, so a 400,000-row positions file reads in one pass without
/// intermediate strings per line.
struct CSVReader {
    struct Record {
        /// 1-based line where the record starts.
        let line: Int
        let fields: [String]
    }

    struct Failure: Error {
        let line: Int
        let message: String
    }

    /// The records of a file's bytes, refusing text that is not UTF-8 and malformed CSV
    /// with the file and line.
    static func records(of bytes: Data, file: String) throws(JobError) -> [Record] {
        guard String(data: bytes, encoding: .utf8) != nil else {
            throw JobError(.data, file: file, "is not UTF-8 text")
        }
        do throws(Failure) {
            return try records(Array(bytes))
        } catch {
            throw JobError(.data, file: file, line: error.line, error.message)
        }
    }

    /// The records of `bytes`, blank lines skipped.
    static func records(_ bytes: [UInt8]) throws(Failure) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1
        var recordLine = 1
        var index = 0
        var quoted = false
        var fieldWasQuoted = false
        var recordHasContent = false
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
        }
        func endRecord() {
            endField()
            if recordHasContent { records.append(Record(line: recordLine, fields: fields)) }
            fields.removeAll(keepingCapacity: true)
            recordHasContent = false
        }

        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == quote {
                    if index + 1 < bytes.count && bytes[index + 1] == quote {
                        field.append(quote)
                        index += 2
                        continue
                    }
                    quoted = false
                } else {
                    if byte == newline { line += 1 }
                    field.append(byte)
                }
                index += 1
                continue
            }
            switch byte {
            case quote:
                guard field.allSatisfy({ $0 == UInt8(ascii: " ") }) && !fieldWasQuoted else {
                    throw Failure(line: line, message: "a quote inside an unquoted field (quote the whole field and double the quote)")
                }
                field.removeAll(keepingCapacity: true)
                quoted = true
                fieldWasQuoted = true
                recordHasContent = true
            case comma:
                endField()
                recordHasContent = true
            case cr where index + 1 < bytes.count && bytes[index + 1] == newline:
                break // the LF ends the record
            case newline:
                endRecord()
                line += 1
                recordLine = line
            default:
                if fieldWasQuoted && byte != UInt8(ascii: " ") && byte != cr {
                    throw Failure(line: line, message: "text after the closing quote of a field")
                }
                if !fieldWasQuoted { field.append(byte) }
                if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t") && byte != cr { recordHasContent = true }
            }
            index += 1
        }
        if quoted { throw Failure(line: recordLine, message: "a quoted field is never closed") }
        endRecord()
        return records
    }
}
