import Foundation
import Mustache
import TailGridJob

/// report.html: the result a risk officer looks at rather than reads. Per account the
/// loss histogram with VaR and ES marked, IM's components, the largest ES contributions
/// (with an explanation) and the stress losses; a table of every account on top.
public enum Report {
    /// The page for `result` (and `explanation`, when the run explained its accounts).
    public static func html(result: ResultDocument, explanation: ExplanationDocument? = nil) throws(JobError) -> Data {
        let template: MustacheTemplate
        do {
            template = try ReportEscaping.template(ReportTemplate.page)
        } catch {
            throw JobError(.internal, "the report template does not parse: \(error)")
        }
        return Data(template.render(ReportPage(result: result, explanation: explanation)).utf8)
    }
}
