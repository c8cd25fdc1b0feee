import Foundation

/// Money as TailGrid prints it, in tables and the report: USD grouped by three with
/// cents, a coin to 6 decimals.
public enum MoneyFormat {
    /// USD as `money`; a coin to 6 decimals, as exchanges show coin balances.
    public static func amount(_ value: Double, in currency: String) -> String {
        guard currency != "USD", value.isFinite, abs(value) < 1e12 else { return money(value) }
        return String(format: "%.6f", value)
    }

    /// 1234567.891 -> "1,234,567.89"; beyond 1e15 or not finite: "%.6g". Never traps,
    /// whatever a result file holds.
    public static func money(_ value: Double) -> String {
        // Beyond a quadrillion (or not a number), digits grouped by three stop helping.
        guard value.isFinite, abs(value) < 1e15 else { return String(format: "%.6g", value) }
        let cents = (abs(value) * 100).rounded()
        let whole = Int(cents / 100)
        let fraction = Int(cents.truncatingRemainder(dividingBy: 100))
        var digits = String(whole)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        return (value < 0 && cents > 0 ? "-" : "") + digits + grouped + "." + String(format: "%02d", fraction)
    }
}
