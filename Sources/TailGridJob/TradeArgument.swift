import Foundation
import TailGridMarket

/// A trade named on the command line, `INSTRUMENT:QUANTITY` (`tailgrid whatif --add`),
/// checked like a position of a job file: a Deribit name on an underlying of the market,
/// not expired, a finite non-zero quantity within `JobLimits`.
public enum TradeArgument {
    public static func position(_ text: String, market: MarketData, field: String = "--add") throws(JobError) -> Account.Position {
        func fail(_ message: String) -> JobError { JobError(.usage, field: field, message) }
        guard text.utf8.count <= 200 else {
            throw fail("a trade of \(text.utf8.count) bytes; instrument names are short (at most 200 bytes with the quantity)")
        }
        guard let colon = text.lastIndex(of: ":") else {
            throw fail("expected INSTRUMENT:QUANTITY (like BTC-PERPETUAL:10000), got '\(JobError.shown(text))'")
        }
        let name = String(text[..<colon])
        let quantityText = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard let quantity = Double(quantityText), quantity.isFinite, quantity != 0 else {
            throw fail("the quantity of '\(JobError.shown(text))' must be a finite, non-zero number")
        }
        let instrument = try JobDecoder.instrument(name, market: market, fail: fail)
        if let problem = JobLimits.positionProblem(quantity: quantity, instrument: instrument, market: market) {
            throw fail(problem)
        }
        return Account.Position(instrument: instrument, quantity: quantity)
    }
}
