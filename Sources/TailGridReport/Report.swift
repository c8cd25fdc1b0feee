import Foundation
import Mustache
import TailGridEngine
import TailGridJob

/// report.html: the result a risk officer looks at rather than reads. Per account the
/// loss histogram with VaR and ES marked, IM's components, the largest ES contributions
/// (with an explanation) and the stress losses; a table of every account on top.
public enum Report {
    /// The page for `result` (and `explanation`, when the run explained its accounts).
    ///
    /// The table's rows and the accounts' charts are rendered in blocks on the cores there
    /// are, then set into the page: at the end of a cluster's run nothing else is left to
    /// do (2,000 accounts: 44 ms on two cores, 63 ms on one).
    public static func html(result: ResultDocument, explanation: ExplanationDocument? = nil) throws(JobError) -> Data {
        let templates: Templates
        do {
            templates = try Templates.parsed.get()
        } catch {
            throw JobError(.internal, "the report template does not parse: \(error)")
        }
        let page = ReportPage(result: result, explanation: explanation, bars: templates.bars)
        let rowBlocks = blocks(page.rows, of: ReportPage.rowsPerBlock)
        let sectionBlocks = blocks(page.sections, of: ReportPage.sectionsPerBlock).map(ReportPage.Sections.init)
        // On threads of their own, not Dispatch's pool: a caller in an async context (`run
        // --workers`) may hold its threads, and `concurrentPerform` then rendered every
        // block on the caller's thread.
        let rendered = EngineThreads.map(rowBlocks.count + sectionBlocks.count,
                                         threads: ProcessInfo.processInfo.activeProcessorCount) { index in
            index < rowBlocks.count
                ? templates.row.render(rowBlocks[index])
                : templates.sections.render(sectionBlocks[index - rowBlocks.count])
        }
        let whole = ReportPage.Rendered(page: page, tableRows: rendered[..<rowBlocks.count].joined(),
                                        accountSections: rendered[rowBlocks.count...].joined())
        return Data(templates.page.render(whole).utf8)
    }

    /// `items` in consecutive blocks of at most `size` (`size` > 0).
    static func blocks<Item>(_ items: [Item], of size: Int) -> [[Item]] {
        stride(from: 0, to: items.count, by: size).map { Array(items[$0..<Swift.min($0 + size, items.count)]) }
    }

    /// The page, its two repeated parts and the lines repeated within them, parsed once.
    struct Templates: Sendable {
        let page: MustacheTemplate
        let row: ReportLine<ReportPage.Row>
        let sections: MustacheTemplate
        let bars: ReportPage.BarLines

        static let parsed = Result { () throws -> Templates in
            func line<Item>(_ template: String, _ fields: [String: ReportLine<Item>.Field]) throws -> ReportLine<Item> {
                guard let line = ReportLine(template, fields: fields) else {
                    throw JobError(.internal, "a repeated line holds a placeholder other than a plain value: \(template)")
                }
                return line
            }
            let bars = ReportPage.BarLines(histogram: try line(ReportTemplate.histogramBar, ReportCharts.Bar.lineFields),
                                           component: try line(ReportTemplate.componentBar, ReportCharts.Bar.lineFields),
                                           chart: try line(ReportTemplate.chartBar, ReportCharts.Bar.lineFields))
            return Templates(page: try ReportEscaping.template(ReportTemplate.page),
                             row: try line(ReportTemplate.row, ReportPage.Row.lineFields),
                             sections: try ReportEscaping.template(ReportTemplate.sections), bars: bars)
        }
    }
}
