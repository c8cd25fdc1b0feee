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
        var instruments: [String: Instrument] = [:]
        var headerSeen = false
        try CSVReader.forEachRecord(of: bytes, file: file) { (record: CSVReader.Record) throws(JobError) in
            let fields = record.fields.map(trimmed)
            if fields.first?.hasPrefix("#") == true { return }
            func fail(_ message: String) -> JobError {
                JobError(.data, file: file, line: record.line, message)
            }
            guard headerSeen else {
                guard fields == header else { throw fail(headerProblem(record.fields)) }
                headerSeen = true
                return
            }
            guard fields.count == 3 else {
                throw fail("expected 3 fields (account,instrument,quantity), got \(fields.count)")
            }
            guard let account = indexOfAccount[fields[0]] else {
                throw fail("account '\(JobError.shown(fields[0]))' is not declared under accounts in the job file")
            }
            let instrument: Instrument
            if let known = instruments[fields[1]] {
                instrument = known
            } else {
                instrument = try JobDecoder.instrument(fields[1], market: market) { fail($0) }
                instruments[fields[1]] = instrument
            }
            guard let quantity = Double(fields[2]), quantity.isFinite else {
                throw fail("quantity '\(JobError.shown(fields[2]))' is not a number")
            }
            if let problem = JobLimits.positionProblem(quantity: quantity, instrument: instrument, market: market) {
                throw fail(problem)
            }
            added[account].append(Account.Position(instrument: instrument, quantity: quantity))
        }
        guard headerSeen else {
            throw JobError(.data, file: file, "has no header; expected 'account,instrument,quantity'")
        }
        return accounts.enumerated().map { index, account in
            account.adding(added[index])
        }
    }

    /// The field without the whitespace (`CharacterSet.whitespaces`) at its ends. Most
    /// fields start and end with a printable ASCII byte and are returned as they are,
    /// without Foundation's scan (which was 28% of loading a 400k-row file).
    static func trimmed(_ field: String) -> String {
        let utf8 = field.utf8
        guard let first = utf8.first, let last = utf8.last else { return field }
        func plain(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }
        return plain(first) && plain(last) ? field : field.trimmingCharacters(in: .whitespaces)
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
