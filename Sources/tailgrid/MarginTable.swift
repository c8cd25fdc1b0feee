import Foundation
import TailGridJob

/// The per-account table `tailgrid run` prints: what a risk officer reads first.
enum MarginTable {
    /// With stress scenarios, a `stress` column (the weighted worst stress loss); with a
    /// short-option minimum, a `min` column; with a previous result, `IM change` and the
    /// status flagged `NEW` where the margin call is new.
    static func render(_ document: ResultDocument, label: String) -> String {
        let stressed = document.accounts.contains { $0.stress != nil }
        let floored = document.accounts.contains { $0.marginComponents.shortOptionMinimum != nil }
        let compared = document.previousResult != nil
        let coins = document.accounts.contains { $0.marginCurrency != "USD" }
        let header = ["account"] + (coins ? ["in"] : []) + ["equity", "VaR \(label)", "ES \(label)"] + (stressed ? ["stress"] : [])
            + (floored ? ["min"] : []) + ["IM"] + (compared ? ["IM change"] : []) + ["MM", "excess", "status"]
        let rows = document.accounts.map { account in
            let money = { (value: Double) in amount(value, in: account.marginCurrency) }
            return [account.id] + (coins ? [account.marginCurrency] : []) + [money(account.equity), money(account.var[label] ?? .nan), money(account.es[label] ?? .nan)]
                + (stressed ? [money(account.stress?.component ?? .nan)] : [])
                + (floored ? [money(account.marginComponents.shortOptionMinimum ?? .nan)] : [])
                + [money(account.initialMargin)]
                + (compared ? [account.previous.map { ($0.imChange > 0 ? "+" : "") + money($0.imChange) } ?? ""] : [])
                + [money(account.maintenanceMargin), money(account.excessMargin),
                   account.status + (account.previous?.newMarginCall == true ? " NEW" : "")]
        }
        return TextTable.lines([header] + rows, leftAligned: [0, header.count - 1]).joined(separator: "\n")
    }

    /// USD as `money`; a coin to 6 decimals (`MoneyFormat`).
    static func amount(_ value: Double, in currency: String) -> String {
        MoneyFormat.amount(value, in: currency)
    }

    /// 1234567.891 -> "1,234,567.89" (`MoneyFormat`).
    static func money(_ value: Double) -> String {
        MoneyFormat.money(value)
    }
}
