import Foundation
import TailGridMarket

/// The optional positions file: CSV with the header `account,instrument,quantity` and
/// one position per row. Every account it names must be declared under `accounts` (a typo
/// must not open a new account). Rows for the same account and instrument add up.
enum PositionsFile {
    static func apply(_ bytes: Data, file: String, to accounts: [Account], market: MarketData) throws(JobError) -> [Account] {
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw JobError(.data, file: file, "is not UTF-8 text")
        }
        let indexOfAccount = Dictionary(uniqueKeysWithValues: accounts.enumerated().map { ($1.id, $0) })
        var added = [[Account.Position]](repeating: [], count: accounts.count)
        var headerSeen = false
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            func fail(_ message: String) -> JobError {
                JobError(.data, file: file, line: lineNumber, message)
            }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard headerSeen else {
                guard fields == ["account", "instrument", "quantity"] else {
                    throw fail("expected the header 'account,instrument,quantity', got '\(line)'")
                }
                headerSeen = true
                continue
            }
            guard fields.count == 3 else {
                throw fail("expected 3 fields (account,instrument,quantity), got \(fields.count)")
            }
            guard let account = indexOfAccount[fields[0]] else {
                throw fail("account '\(fields[0])' is not declared under accounts in the job file")
            }
            let instrument = try JobDecoder.instrument(fields[1], market: market) { fail($0) }
            guard let quantity = Double(fields[2]), quantity.isFinite else {
                throw fail("quantity '\(fields[2])' is not a number")
            }
            added[account].append(Account.Position(instrument: instrument, quantity: quantity))
        }
        guard headerSeen else {
            throw JobError(.data, file: file, "has no header; expected 'account,instrument,quantity'")
        }
        return accounts.enumerated().map { index, account in
            Account(id: account.id, collateral: account.collateral, positions: account.positions + added[index])
        }
    }
}
