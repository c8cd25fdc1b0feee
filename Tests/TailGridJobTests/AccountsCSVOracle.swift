import Foundation
import TailGridJob

/// accounts.csv as its columns are documented (`ResultWriter.csvData`), built the plainest
/// way: each row an array of fields, numbers by string interpolation, joined by commas
/// and the rows by line ends. The oracle the writer, which builds one string as it goes,
/// is held to byte for byte.
enum AccountsCSVOracle {
    static func csv(_ document: ResultDocument, labels: [String]) -> String {
        var header = ["account", "equity"]
        for label in labels { header += ["var_\(label)", "es_\(label)", "es_se_\(label)"] }
        header += ["initial_margin", "maintenance_margin", "excess_margin", "status", "base_margin", "stress_uplift",
                   "short_option_uplift", "liquidity_add_on", "apc_buffer", "apc_floor_uplift", "short_option_minimum",
                   "stress_component", "worst_stress", "worst_stress_loss", "im_change", "new_margin_call", "margin_currency"]
        var lines = [header.joined(separator: ",")]
        for account in document.accounts {
            var row = [ResultWriter.csvField(account.id), "\(account.equity)"]
            for label in labels {
                row += [account.var[label].map { "\($0)" } ?? "", account.es[label].map { "\($0)" } ?? "",
                        account.esStandardError[label].map { "\($0)" } ?? ""]
            }
            row += ["\(account.initialMargin)", "\(account.maintenanceMargin)", "\(account.excessMargin)", account.status]
            let components = account.marginComponents
            row += ["\(components.base)", "\(components.stressUplift)", "\(components.shortOptionUplift)",
                    "\(components.liquidityAddOn)", "\(components.apcBuffer)", "\(components.apcFloorUplift ?? 0)",
                    components.shortOptionMinimum.map { "\($0)" } ?? "",
                    account.stress.map { "\($0.component)" } ?? "", account.stress.map { ResultWriter.csvField($0.worst) } ?? "",
                    account.stress.map { "\($0.worstLoss)" } ?? "",
                    account.previous.map { "\($0.imChange)" } ?? "", account.previous.map { "\($0.newMarginCall)" } ?? "",
                    account.marginCurrency]
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
