import Foundation
import TailGridMarket

/// The optional positions file: CSV (RFC 4180: quoted fields, LF or CRLF line ends) with
/// the header `account,instrument,quantity` and one position per row. Every account it
/// names must be declared under `accounts` (a typo must not open a new account). Rows
/// for the same account and instrument add up. Lines starting with `#` are comments.
enum PositionsFile {
    static let header = ["account", "instrument", "quantity"]

    static func apply(_ bytes: Data, file: String, to accounts: [Account], market: MarketData) throws(JobError) -> [Account] {
        let indexOfAccount = Dictionary(uniqueKeysWithValues: accounts.enumerated().map { ($1.id, $0) })
        var added = [[Account.Position]](repeating: [], count: accounts.count)
        // Each instrument name is parsed once, with its underlying's spot for the limit,
        // and found again by its bytes (no string is made for a name seen before).
        var instruments = NameTable<(instrument: Instrument, spot: Double?)>()
        var lastAccount: (id: [UInt8], index: Int)?
        var headerSeen = false
        try CSVReader.forEachRawRecord(of: bytes, file: file) { (line: Int, fields: [CSVReader.Field]) throws(JobError) in
            func fail(_ message: String) -> JobError {
                JobError(.data, file: file, line: line, message)
            }
            if let first = fields.first, isComment(first) { return }
            guard headerSeen else {
                guard fields.map({ trimmed($0.string) }) == header else { throw fail(headerProblem(fields.map(\.string))) }
                headerSeen = true
                return
            }
            guard fields.count == 3 else {
                throw fail("expected 3 fields (account,instrument,quantity), got \(fields.count)")
            }
            // Rows come grouped by account: the last one is compared before the dictionary.
            let account: Int
            if let last = lastAccount, let id = plainBytes(fields[0]), last.id.elementsEqual(id) {
                account = last.index
            } else {
                let id = trimmed(fields[0].string)
                guard let index = indexOfAccount[id] else {
                    throw fail("account '\(JobError.shown(id))' is not declared under accounts in the job file")
                }
                account = index
                lastAccount = (Array(id.utf8), index)
            }
            let known: (instrument: Instrument, spot: Double?)
            if let name = plainBytes(fields[1]), let cached = instruments[name] {
                known = cached
            } else {
                let name = trimmed(fields[1].string)
                let instrument = try JobDecoder.instrument(name, market: market) { fail($0) }
                known = (instrument, market.underlying(instrument.underlying)?.spot)
                if let bytes = plainBytes(fields[1]) { instruments.insert(known, for: bytes) }
            }
            let quantity: Double
            if let text = plainBytes(fields[2]), let value = DecimalText.fastPath(text) {
                quantity = value
            } else {
                let text = trimmed(fields[2].string)
                guard let value = Double(text), value.isFinite else {
                    throw fail("quantity '\(JobError.shown(text))' is not a number")
                }
                quantity = value
            }
            if let problem = JobLimits.positionProblem(quantity: quantity, instrument: known.instrument, spot: known.spot) {
                throw fail(problem)
            }
            added[account].append(Account.Position(instrument: known.instrument, quantity: quantity))
        }
        guard headerSeen else {
            throw JobError(.data, file: file, "has no header; expected 'account,instrument,quantity'")
        }
        return accounts.enumerated().map { index, account in
            account.adding(added[index])
        }
    }

    /// A field's bytes when trimming would leave it as it is (unquoted, first and last
    /// bytes printable ASCII), so they are its text; nil when its string must be read.
    static func plainBytes(_ field: CSVReader.Field) -> UnsafeBufferPointer<UInt8>? {
        guard case .plain(let bytes) = field, let first = bytes.first, let last = bytes.last,
              isVisibleASCII(first) && isVisibleASCII(last) else { return nil }
        return bytes
    }

    /// A printable ASCII byte other than the space: a field that starts and ends with one
    /// has nothing to trim.
    static func isVisibleASCII(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }

    /// Whether a record is a comment: its first field, trimmed, starts with `#`.
    static func isComment(_ field: CSVReader.Field) -> Bool {
        if let bytes = plainBytes(field) { return bytes[0] == UInt8(ascii: "#") }
        return trimmed(field.string).hasPrefix("#")
    }

    /// The field without the whitespace (`CharacterSet.whitespaces`) at its ends. Most
    /// fields start and end with a printable ASCII byte and are returned as they are,
    /// without Foundation's scan (which was 28% of loading a 400k-row file).
    static func trimmed(_ field: String) -> String {
        let utf8 = field.utf8
        guard let first = utf8.first, let last = utf8.last else { return field }
        return isVisibleASCII(first) && isVisibleASCII(last) ? field : field.trimmingCharacters(in: .whitespaces)
    }

    /// What to say of a first line that is not the header. It is quoted only when it looks
    /// like a CSV header (names of letters, digits, '_' and spaces) and then at most 200
    /// characters of it: a file that is not a positions file is never echoed.
    static func headerProblem(_ fields: [String]) -> String {
        let expected = "expected the header 'account,instrument,quantity'"
        let looksLikeHeader = fields.count > 1 && fields.allSatisfy { field in
            field.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == " ") }
        }
        guard looksLikeHeader else { return "\(expected); the first line is not a CSV header (not shown)" }
        return "\(expected), got '\(String(fields.joined(separator: ",").prefix(200)))'"
    }
}
