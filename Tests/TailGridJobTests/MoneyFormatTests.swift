import Foundation
import Testing
import TailGridJob
import TailGridNumerics

/// The report's and the tables' numbers: `MoneyFormat.fixed` is `String(format: "%.nf")`
/// (the oracle) and `money` groups by three with cents as its first version did.
@Suite("Money format")
struct MoneyFormatTests {
    /// The first `money`, through Foundation's formatter: the oracle of the byte-level one.
    static func formattedMoney(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return String(format: "%.6g", value) }
        let cents = (abs(value) * 100).rounded()
        var digits = String(Int(cents / 100))
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        return (value < 0 && cents > 0 ? "-" : "") + digits + grouped + "." + String(format: "%02d", Int(cents.truncatingRemainder(dividingBy: 100)))
    }

    /// Values of every size and sign, the halfway cases of printf's rounding (0.25, 0.35,
    /// 2.675: exact binary ties and near-ties), -0, and the edges where the formats hand
    /// over (1e12, 1e15, non-finite).
    static func values() -> [Double] {
        var random = SplitMix64(seed: 11)
        var values: [Double] = [0, -0.0, 0.05, 0.15, 0.25, 0.35, -0.45, 2.675, 1.005, 999.995, 999_999.95, -999_999.95,
                                1e6, -1e6, 123_456_789.125, 1e12 - 0.005, 1e12, 1e15 - 1, 1e15, -1e15, 1e300,
                                .nan, .infinity, -.infinity, 5e-324, 0.004999999999999999, 0.005]
        for _ in 0..<20_000 {
            let magnitude = pow(10, Double(random.next() % 17) - 3)
            let value = (Double(random.next() >> 11) / 0x1p53 - 0.5) * 2 * magnitude
            values.append(random.next() % 4 == 0 ? (value * 10).rounded() / 10 + 0.05 : value)
        }
        return values
    }

    @Test func fixedIsPrintf() {
        for value in Self.values() {
            for decimals in [0, 1, 2, 6] {
                let expected = String(format: "%.\(decimals)f", value)
                #expect(MoneyFormat.fixed(value, decimals: decimals) == expected, "\(value) to \(decimals) decimals")
            }
        }
    }

    @Test func moneyGroupsByThreeWithCents() {
        for value in Self.values() {
            #expect(MoneyFormat.money(value) == Self.formattedMoney(value), "\(value)")
        }
        #expect(MoneyFormat.money(-1_234_567.891) == "-1,234,567.89")
        #expect(MoneyFormat.money(-0.004) == "0.00")
        #expect(MoneyFormat.amount(1.5, in: "BTC") == "1.500000")
    }
}
