import Foundation

/// The geometry of a backtest's chart: over the days (x), the day's initial margin and
/// VaR as lines and the realised loss as a point, red where it exceeded VaR. Every
/// coordinate is a finite number (`ReportCharts.coordinate`), whatever the figures hold.
struct BacktestChart {
    struct Point: Sendable {
        let x: String
        let y: String
        let fill: String
        let radius: String
        let title: String
    }

    static let width = 900.0
    static let height = 240.0
    static let realisedFill = "#3b6fb6"
    static let exceptionFill = "#c0392b"
    static let marginStroke = "#1f4e79"
    static let valueAtRiskStroke = "#e67e22"

    let marginLine: String
    let valueAtRiskLine: String
    let points: [Point]
    /// y of the zero-loss axis.
    let zero: String
    let upperLabel: String
    let lowerLabel: String

    /// `dates[i]`'s margin, VaR and realised loss, in the account's currency.
    init(dates: [String], margin: [Double], valueAtRisk: [Double], realised: [Double],
         money format: (Double) -> String) {
        func money(_ value: Double) -> String { value.isFinite ? format(value) : "n/a" }
        let finite = (margin + valueAtRisk + realised).filter(\.isFinite)
        let upper = Swift.max(finite.max() ?? 1, 0)
        let lower = Swift.min(finite.min() ?? 0, 0)
        let span = upper - lower > 0 ? upper - lower : 1
        let step = Self.width / Double(Swift.max(1, dates.count - 1))
        func x(_ index: Int) -> Double { dates.count == 1 ? Self.width / 2 : Double(index) * step }
        func y(_ value: Double) -> Double {
            Self.height * (1 - ReportCharts.fraction(value - lower, of: span))
        }
        func line(_ values: [Double]) -> String {
            values.enumerated().map { "\(ReportCharts.coordinate(x($0.offset))),\(ReportCharts.coordinate(y($0.element)))" }
                .joined(separator: " ")
        }
        marginLine = line(margin)
        valueAtRiskLine = line(valueAtRisk)
        points = realised.enumerated().map { index, loss in
            let exception = loss > valueAtRisk[index]
            return Point(x: ReportCharts.coordinate(x(index)), y: ReportCharts.coordinate(y(loss)),
                         fill: exception ? Self.exceptionFill : Self.realisedFill, radius: exception ? "5" : "2.5",
                         title: "\(dates[index]): realised loss \(money(loss)), VaR \(money(valueAtRisk[index])), IM \(money(margin[index]))")
        }
        zero = ReportCharts.coordinate(y(0))
        upperLabel = money(upper)
        lowerLabel = money(lower)
    }
}
