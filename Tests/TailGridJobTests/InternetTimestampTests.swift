import Foundation
import Testing
import TailGridJob
import TailGridNumerics

/// `InternetTimestamp` reads what `ISO8601DateFormatter` (`.withInternetDateTime`, the
/// oracle) reads, as the same instant, and leaves everything else to it.
@Suite("Internet timestamps")
struct InternetTimestampTests {
    static func formatterDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// Random valid times from 1900 to 9999, in UTC and in zones up to 14 hours either
    /// way, and the edges (leap days, the ends of months and years, midnight): the same
    /// instant as the formatter's, to the second.
    @Test func validTimesAreTheFormattersInstants() {
        var random = SplitMix64(seed: 2026)
        var texts = ["2025-02-20T08:00:00Z", "2024-02-29T23:59:59Z", "2000-02-29T00:00:00Z", "1900-01-01T00:00:00Z",
                     "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2025-12-31T23:59:59+14:00", "2025-01-01T00:00:00-14:00",
                     "2025-06-30T12:30:00+05:30", "2025-03-01T00:00:00-00:00", "2100-02-28T10:00:00Z"]
        for _ in 0..<3_000 {
            let year = 1900 + Int(random.next() % 8100)
            let month = 1 + Int(random.next() % 12)
            let days = [31, year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            let day = 1 + Int(random.next() % UInt64(days[month - 1]))
            var text = "\(year)-\(Self.two(month))-\(Self.two(day))T\(Self.two(Int(random.next() % 24))):"
                + "\(Self.two(Int(random.next() % 60))):\(Self.two(Int(random.next() % 60)))"
            let zone = Int(random.next() % (28 * 60 + 1)) - 14 * 60
            if random.next() % 3 == 0 {
                text += "Z"
            } else {
                text += (zone < 0 ? "-" : "+") + Self.two(abs(zone) / 60) + ":" + Self.two(abs(zone) % 60)
            }
            texts.append(text)
        }
        for text in texts {
            let fast = InternetTimestamp.date(text)
            #expect(fast != nil, "\(text) was not read")
            #expect(fast == Self.formatterDate(text), "\(text)")
        }
    }

    /// Texts off the form (or out of its range) are not read: the formatter decides them.
    /// Those it would read as valid times differently (a day past the month's end, a
    /// leap second, a lowercase letter, a fraction) are among them.
    @Test func othersAreLeftToTheFormatter() {
        let texts = ["2025-02-30T08:00:00Z", "2023-02-29T08:00:00Z", "2025-04-31T08:00:00Z", "2025-13-01T08:00:00Z",
                     "2025-00-10T08:00:00Z", "2025-01-00T08:00:00Z", "2025-01-01T24:00:00Z", "2025-01-01T23:60:00Z",
                     "2025-01-01T23:59:60Z", "2025-01-01t08:00:00Z", "2025-01-01T08:00:00z", "2025-01-01T08:00:00.5Z",
                     "1899-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2025-01-01T08:00:00+14:01", "2025-01-01T08:00:00+01:60",
                     "2025-01-01T08:00:00+0100", "2025-01-01 08:00:00Z", "2025-01-01T08:00Z", "20 Feb 2025", "",
                     "2025-01-01T08:00:00", "+025-01-01T08:00:00Z", "2025-01-01T08:00:00+01:0x", "２０２５-01-01T08:00:00Z"]
        for text in texts {
            #expect(InternetTimestamp.date(text) == nil, "\(text)")
        }
    }
}
