import Foundation
import TailGridJob

/// The geometry of the report's SVG charts, computed in Swift and drawn by the template:
/// every coordinate is a finite number formatted to one decimal, whatever the result
/// holds (a NaN or a 1e308 becomes an empty or clamped bar, never a broken page).
enum ReportCharts {
    /// A bar: x, y, width and height in the chart's pixels.
    struct Bar: Sendable {
        let x: String
        let y: String
        let width: String
        let height: String
        let label: String
        let value: String
        let fill: String
    }

    /// A vertical marker (VaR, ES) at x with its caption.
    struct Marker: Sendable {
        let x: String
        let labelX: String
        let labelY: String
        let caption: String
        let stroke: String
    }

    static func coordinate(_ value: Double) -> String {
        MoneyFormat.fixed(value.isFinite ? Swift.min(Swift.max(value, -1e6), 1e6) : 0, decimals: 1)
    }

    /// value / scale clamped to [0, 1], 0 when either is not a usable number.
    static func fraction(_ value: Double, of scale: Double) -> Double {
        guard value.isFinite, scale.isFinite, scale > 0 else { return 0 }
        return Swift.min(1, Swift.max(0, value / scale))
    }

    static let histogramWidth = 640.0
    static let histogramHeight = 180.0

    /// 64 bars of the loss histogram over [lower, upper].
    static func histogram(counts: [Int]) -> [Bar] {
        let peak = Double(counts.max() ?? 0)
        let width = histogramWidth / Double(Swift.max(1, counts.count))
        return counts.enumerated().map { index, count in
            let height = fraction(Double(count), of: peak) * histogramHeight
            return Bar(x: coordinate(Double(index) * width), y: coordinate(histogramHeight - height),
                       width: coordinate(Swift.max(0, width - 1)), height: coordinate(height),
                       label: "", value: "\(count)", fill: "#3b6fb6")
        }
    }

    /// A marker at loss `value` on the histogram's axis [lower, upper].
    /// `row` stacks the captions (0 at the top) so that VaR's and ES's never overlap.
    static func marker(_ value: Double, lower: Double, upper: Double, caption: String, stroke: String, row: Int) -> Marker {
        let x = fraction(value - lower, of: upper - lower) * histogramWidth
        return Marker(x: coordinate(x), labelX: coordinate(Swift.min(x + 4, histogramWidth - 170)),
                      labelY: coordinate(14 + 16 * Double(row)), caption: caption, stroke: stroke)
    }

    static let barWidth = 420.0

    /// Horizontal bars of signed values around a centre line (contributions, stress
    /// losses): positive (a loss) to the right in red, negative to the left in green.
    static func diverging(_ items: [(label: String, value: Double, text: String)]) -> [Bar] {
        let scale = items.map { $0.value.isFinite ? abs($0.value) : 0 }.max() ?? 0
        let half = barWidth / 2
        return items.enumerated().map { index, item in
            let length = fraction(abs(item.value), of: scale) * half
            let positive = item.value >= 0
            return Bar(x: coordinate(positive ? half : half - length), y: coordinate(Double(index) * 22),
                       width: coordinate(length), height: "16", label: item.label, value: item.text,
                       fill: positive ? "#c0392b" : "#2e8b57")
        }
    }

    /// One stacked bar of IM's components, each as a share of IM.
    static func stacked(_ items: [(label: String, value: Double, text: String, fill: String)], total: Double) -> [Bar] {
        var x = 0.0
        return items.compactMap { item in
            let width = fraction(item.value, of: total) * barWidth
            defer { x += width }
            guard width > 0 else { return nil }
            return Bar(x: coordinate(x), y: "0", width: coordinate(width), height: "24", label: item.label,
                       value: item.text, fill: item.fill)
        }
    }
}
