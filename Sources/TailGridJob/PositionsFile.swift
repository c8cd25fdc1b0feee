import Foundation
import TailGridMarket

/// The optional positions file: CSV (RFC 4180: quoted fields, LF or CRLF line ends) with
/// the header `account,instrument,quantity` and one position per row. Every account it
/// names must be declared under `accounts` (a typo must not open a new account). Rows
/// for the same account and instrument add up. Lines starting with `#` are comments.
enum PositionsFile {
    static let header = ["account", "instrument", "quantity"]

    /// The rows of a positions file with every check that needs no job: the CSV, the
    /// header, the field count and the quantities. What needs the job (the accounts and
    /// the market) is `apply(_:file:to:market:)`'s, so a scan can run while the job's
    /// YAML is still being parsed (`PositionsPrefetch`).
    struct Scan: Sendable {
        struct Row: Sendable {
            /// Index in `accountIDs`.
            let account: Int
            /// Index in `instruments`.
            let instrument: Int
            let quantity: Double
            let line: Int
        }

        /// The rows before the first problem, in file order.
        var rows: [Row] = []
        /// The id of each run of rows naming one account (rows come grouped by account:
        /// each run's id is read once), trimmed.
        var accountIDs: [String] = []
        /// Each instrument name once, trimmed, with the instrument it names (or why it
        /// names none).
        var instruments: [(name: String, parsed: Result<Instrument, MarketError>)] = []
        /// The first problem in the file, if any; with the row it was found in when that
        /// row's account and instrument are checked before it (a quantity that is not a
        /// number), as reading the row would.
        var problem: (error: JobError, row: Row?)?
    }

    /// Reads and checks the rows of a positions file as far as it can without the job;
    /// stops at the first problem.
    static func scan(_ bytes: Data, file: String) -> Scan {
        var scan = Scan()
        // A row takes 20 bytes or more: no growth of the rows as they are read (pages of
        // the room a shorter guess leaves unused are never touched), up to 4M rows (128 MB
        // of room; a larger file grows the rows as it goes).
        scan.rows.reserveCapacity(Swift.min(bytes.count / 16, 1 << 22))
        var headerSeen = false
        // Each instrument name is read once and found again by its bytes (no string is
        // made for a name seen before).
        var instruments = NameTable<Int>()
        var lastAccount: [UInt8]?
        do {
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
                // Rows come grouped by account: the last one is compared before a new run.
                let sameAccount = lastAccount.map { last in plainBytes(fields[0]).map { last.elementsEqual($0) } ?? false } ?? false
                if !sameAccount {
                    let id = trimmed(fields[0].string)
                    scan.accountIDs.append(id)
                    lastAccount = Array(id.utf8)
                }
                let account = scan.accountIDs.count - 1
                let instrument: Int
                if let name = plainBytes(fields[1]), let known = instruments[name] {
                    instrument = known
                } else {
                    instrument = scan.instruments.count
                    let name = trimmed(fields[1].string)
                    scan.instruments.append((name, Result { () throws(MarketError) in try Instrument(parsing: name) }))
                    if let bytes = plainBytes(fields[1]) { instruments.insert(instrument, for: bytes) }
                }
                let quantity: Double
                if let text = plainBytes(fields[2]), let value = DecimalText.fastPath(text) {
                    quantity = value
                } else {
                    let text = trimmed(fields[2].string)
                    guard let value = Double(text), value.isFinite else {
                        let error = fail("quantity '\(JobError.shown(text))' is not a number")
                        scan.problem = (error, Scan.Row(account: account, instrument: instrument, quantity: 0, line: line))
                        throw error
                    }
                    quantity = value
                }
                scan.rows.append(Scan.Row(account: account, instrument: instrument, quantity: quantity, line: line))
            }
            if !headerSeen {
                scan.problem = (JobError(.data, file: file, "has no header; expected 'account,instrument,quantity'"), nil)
            }
        } catch {
            if scan.problem == nil { scan.problem = (error, nil) }
        }
        return scan
    }

    /// Adds a file's rows to the accounts they name: every account must be declared
    /// under `accounts` (a typo must not open a new account), every instrument must be
    /// one of the market's and within the position limits. The first problem in the
    /// file, in row order, is the one thrown.
    static func apply(_ scan: Scan, file: String, to accounts: [Account], market: MarketData) throws(JobError) -> [Account] {
        let indexOfAccount = Dictionary(accounts.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        let runAccounts = scan.accountIDs.map { indexOfAccount[$0] }
        // Each name is checked once; a name that is not an instrument of the market is
        // refused at the first row naming it.
        let instruments = scan.instruments.map { name, parsed -> Resolved in
            do throws(JobError) {
                let instrument: Instrument
                switch parsed {
                case .success(let parsed): instrument = parsed
                case .failure(let error): throw JobError(.data, file: file, error.message)
                }
                try JobDecoder.check(instrument, named: name, market: market) { JobError(.data, file: file, $0) }
                return .instrument(instrument, spot: market.underlying(instrument.underlying)?.spot)
            } catch {
                return .problem(error)
            }
        }
        /// The row's account and instrument, or the problem with them at its line.
        func resolve(_ row: Scan.Row) throws(JobError) -> (account: Int, instrument: Instrument, spot: Double?) {
            guard let account = runAccounts[row.account] else {
                let id = scan.accountIDs[row.account]
                throw JobError(.data, file: file, line: row.line,
                               "account '\(JobError.shown(id))' is not declared under accounts in the job file")
            }
            switch instruments[row.instrument] {
            case .instrument(let instrument, let spot):
                return (account, instrument, spot)
            case .problem(var error):
                error.line = row.line
                throw error
            }
        }
        // Each account's positions in an array of their number: no growth as rows are
        // added, and no spare room kept (accounts hold these arrays as they are).
        var rowCounts = [Int](repeating: 0, count: accounts.count)
        for row in scan.rows {
            if let account = runAccounts[row.account] { rowCounts[account] += 1 }
        }
        var added = rowCounts.map { count in
            var positions: [Account.Position] = []
            positions.reserveCapacity(count)
            return positions
        }
        for row in scan.rows {
            let (account, instrument, spot) = try resolve(row)
            if let problem = JobLimits.positionProblem(quantity: row.quantity, instrument: instrument, spot: spot) {
                throw JobError(.data, file: file, line: row.line, problem)
            }
            added[account].append(Account.Position(instrument: instrument, quantity: row.quantity))
        }
        if let problem = scan.problem {
            if let row = problem.row { _ = try resolve(row) }
            throw problem.error
        }
        return accounts.enumerated().map { index, account in
            account.adding(added[index])
        }
    }

    /// A name read as an instrument of the market, or why it is not one (without the
    /// line: the row naming it first gives that).
    enum Resolved {
        case instrument(Instrument, spot: Double?)
        case problem(JobError)
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
