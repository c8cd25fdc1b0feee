import Foundation
import Mustache
import TailGridBacktest
import TailGridJob

/// A backtest's report.html: the test table of every account, and per account (the most
/// VaR exceptions first) the initial margin and VaR over the days against the realised
/// loss, exceptions marked.
public enum BacktestReport {
    public static func html(_ document: BacktestDocument) throws(JobError) -> Data {
        let template: MustacheTemplate
        do {
            template = try ReportEscaping.template(BacktestReportTemplate.page)
        } catch {
            throw JobError(.internal, "the backtest report template does not parse: \(error)")
        }
        return Data(template.render(BacktestReportPage(document)).utf8)
    }
}
