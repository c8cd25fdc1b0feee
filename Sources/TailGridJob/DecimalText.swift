/// Numbers as job and CSV files write them ("-12.5", "3", "0.25"), read without strtod
/// when the exact fast path applies, and by `Double(_:)` otherwise, with the same bits.
///
/// The fast path (Clinger, "How to read floating point numbers accurately", 1990): an
/// optional minus, at most 15 digits with at most one point between digits. The digits
/// make an integer M < 10^15 < 2^53 and the point a power 10^k with k <= 15, both exact
/// doubles, so M / 10^k is one correctly rounded division: the double nearest the text,
/// which is what `Double(_:)` returns. A book's 400,000 quantities are a sixth of the
/// positions file's reading through strtod.
enum DecimalText {
    static func double(_ text: String) -> Double? {
        fastPath(text.utf8) ?? Double(text)
    }

    /// The value of a plain decimal, or nil for anything else (exponents, "+", ".5",
    /// "5.", more than 15 digits, "inf", blanks), which `Double(_:)` then reads.
    static func fastPath<Bytes: Sequence<UInt8>>(_ utf8: Bytes) -> Double? {
        var negative = false
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var seenPoint = false
        var lastWasDigit = false
        var first = true
        for byte in utf8 {
            defer { first = false }
            if first && byte == UInt8(ascii: "-") {
                negative = true
                continue
            }
            if byte == UInt8(ascii: ".") {
                guard !seenPoint, lastWasDigit else { return nil }
                seenPoint = true
                lastWasDigit = false
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 15 else { return nil }
            mantissa = mantissa &* 10 &+ UInt64(byte &- UInt8(ascii: "0"))
            digits += 1
            if seenPoint { fractionDigits += 1 }
            lastWasDigit = true
        }
        guard lastWasDigit else { return nil }
        let value = Double(mantissa) / powersOfTen[fractionDigits]
        return negative ? -value : value
    }

    /// 10^0 ... 10^15, each exact in a double.
    static let powersOfTen: [Double] = (0...15).map { exponent in
        var power = 1.0
        for _ in 0..<exponent { power *= 10 }
        return power
    }
}
