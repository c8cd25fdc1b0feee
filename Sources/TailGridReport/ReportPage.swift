import Foundation
import TailGridJob

/// What the report template draws: the job's identity, a table of every account, and the
/// charts of the accounts with the largest initial margins (`detailLimit`). Built from the
/// result documents only, so any result.json (from `run`, a cluster or `tailgrid result`)
/// gives the same page.
struct ReportPage {
    struct Row {
        let id: String
        let currency: String
        let equity: String
        let valueAtRisk: String
        let expectedShortfall: String
        let initialMargin: String
        let excess: String
        let status: String
    }

    struct Legend {
        let label: String
        let value: String
        let fill: String
    }

    struct AccountSection {
        let id: String
        let anchor: String
        let currency: String
        let status: String
        let initialMargin: String
        let maintenanceMargin: String
        let equity: String
        /// The histogram's bars, as HTML (`BarLines.histogram`).
        let histogramBars: String
        let markers: [ReportCharts.Marker]
        let lowerLabel: String
        let upperLabel: String
        let outside: String
        /// IM's components, as HTML (`BarLines.component`).
        let components: String
        let legend: [Legend]
        /// The largest ES contributions (with an explanation) and stress losses (with
        /// stress scenarios), each drawn only when it has bars.
        let barCharts: [BarChart]
    }

    /// Horizontal bars around a centre line, one per row of 22 pixels.
    struct BarChart {
        let title: String
        let kind: String
        let height: String
        /// The bars, as HTML (`BarLines.chart`).
        let bars: String

        init?(title: String, kind: String, bars: [ReportCharts.Bar], line: ReportLine<ReportCharts.Bar>) {
            guard !bars.isEmpty else { return nil }
            self.title = title
            self.kind = kind
            self.height = "\(bars.count * 22)"
            self.bars = line.render(bars)
        }
    }

    /// The charts' bars, each kind a line of plain values (`ReportTemplate`), parsed once
    /// (`Report.Templates`).
    struct BarLines: Sendable {
        let histogram: ReportLine<ReportCharts.Bar>
        let component: ReportLine<ReportCharts.Bar>
        let chart: ReportLine<ReportCharts.Bar>
    }

    /// A block of the accounts' charts, rendered on its own.
    struct Sections {
        let sections: [AccountSection]
    }

    /// The page with its rows and charts already rendered (HTML, set in unescaped).
    struct Rendered {
        let page: ReportPage
        let tableRows: String
        let accountSections: String
    }

    /// Rows and charts per block rendered at once. The 50 charts are the report's slow
    /// part; in blocks of 5 the cores finish them within one small block of each other
    /// (report.html of 2,000 accounts: 31-32 ms p50 against 34-41 ms in blocks of 10).
    static let rowsPerBlock = 1_000
    static let sectionsPerBlock = 5

    /// How many accounts get charts (the largest IMs); the table lists every account.
    static let detailLimit = 50
    /// Bars per contributions or stress chart.
    static let barLimit = 10

    let job: String
    let scenarios: String
    let horizon: String
    let confidence: String
    let model: String
    let engine: String
    let inputSHA256: String
    let accountCount: String
    let detailNote: String
    let rows: [Row]
    let sections: [AccountSection]

    init(result: ResultDocument, explanation: ExplanationDocument?, bars: BarLines) {
        let label = result.confidenceLabels.first ?? ""
        job = result.job
        scenarios = "\(result.scenarios)"
        horizon = String(format: "%g", result.horizonDays)
        confidence = label
        model = result.model
        engine = result.engineVersion
        inputSHA256 = result.inputSHA256
        accountCount = "\(result.accounts.count)"
        rows = result.accounts.map { account in
            let money = { (value: Double) in MoneyFormat.amount(value, in: account.marginCurrency) }
            return Row(id: account.id, currency: account.marginCurrency, equity: money(account.equity),
                       valueAtRisk: money(account.var[label] ?? .nan), expectedShortfall: money(account.es[label] ?? .nan),
                       initialMargin: money(account.initialMargin), excess: money(account.excessMargin), status: account.status)
        }
        let detailed = result.accounts.enumerated()
            .sorted { ($0.element.initialMargin.isFinite ? $0.element.initialMargin : 0, $1.offset)
                > ($1.element.initialMargin.isFinite ? $1.element.initialMargin : 0, $0.offset) }
            .prefix(Self.detailLimit).map(\.element)
        detailNote = result.accounts.count > Self.detailLimit
            ? "Charts for the \(Self.detailLimit) accounts with the largest initial margin; the table lists all \(result.accounts.count)."
            : "Charts for every account."
        let explained = Dictionary((explanation?.accounts ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        sections = detailed.enumerated().map { index, account in
            Self.section(account, label: label, explained: explained[account.id], index: index, bars: bars)
        }
    }

    static func section(_ account: ResultDocument.AccountEntry, label: String, explained: ExplanationDocument.Account?,
                        index: Int, bars: BarLines) -> AccountSection {
        let currency = account.marginCurrency
        let money = { (value: Double) in MoneyFormat.amount(value, in: currency) }
        let histogram = account.histogram
        let valueAtRisk = account.var[label] ?? .nan
        let shortfall = account.es[label] ?? .nan
        let markers = [
            ReportCharts.marker(valueAtRisk, lower: histogram.lower, upper: histogram.upper,
                                caption: "VaR \(label) \(money(valueAtRisk))", stroke: "#e67e22", row: 0),
            ReportCharts.marker(shortfall, lower: histogram.lower, upper: histogram.upper,
                                caption: "ES \(label) \(money(shortfall))", stroke: "#8b0000", row: 1),
        ]
        let parts = account.marginComponents
        let componentItems: [(label: String, value: Double, text: String, fill: String)] = [
            ("base", parts.base, money(parts.base), "#3b6fb6"),
            ("stress uplift", parts.stressUplift, money(parts.stressUplift), "#8e44ad"),
            ("short-option uplift", parts.shortOptionUplift, money(parts.shortOptionUplift), "#d35400"),
            ("liquidity add-on", parts.liquidityAddOn, money(parts.liquidityAddOn), "#16a085"),
            ("APC buffer", parts.apcBuffer, money(parts.apcBuffer), "#7f8c8d"),
        ] + (parts.apcFloorUplift.map { [("APC floor", $0, money($0), "#2c3e50")] } ?? [])
        let lines = (explained?.lines ?? [])
            .sorted { abs($0.contribution) > abs($1.contribution) }
            .prefix(barLimit)
            .map { line in
                (label: "\(line.instrument) (\(line.kind))", value: line.contribution,
                 text: money(line.contribution) + (line.share.map { String(format: " (%.1f%%)", $0 * 100) } ?? ""))
            }
        let stressItems = (account.stress?.losses ?? [:])
            .sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            .prefix(barLimit)
            .map { (label: $0.key, value: $0.value, text: money($0.value)) }
        let charts = [
            BarChart(title: "Largest ES contributions", kind: "contributions", bars: ReportCharts.diverging(Array(lines)),
                     line: bars.chart),
            BarChart(title: "Stress losses (weighted)", kind: "stress", bars: ReportCharts.diverging(Array(stressItems)),
                     line: bars.chart),
        ].compactMap { $0 }
        return AccountSection(
            id: account.id, anchor: "account-\(index)", currency: currency, status: account.status,
            initialMargin: money(account.initialMargin), maintenanceMargin: money(account.maintenanceMargin),
            equity: money(account.equity), histogramBars: bars.histogram.render(ReportCharts.histogram(counts: histogram.counts)),
            markers: markers, lowerLabel: money(histogram.lower), upperLabel: money(histogram.upper),
            outside: "\(histogram.underflow) below, \(histogram.overflow) above the range",
            components: bars.component.render(ReportCharts.stacked(componentItems, total: account.initialMargin)),
            legend: componentItems.map { Legend(label: $0.label, value: $0.text, fill: $0.fill) },
            barCharts: charts)
    }
}
