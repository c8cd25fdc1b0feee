import Foundation
import TailGridJob

/// The table `explain` and `run --explain` print per account: what drives its ES.
enum ContributionTable {
    static func render(_ account: ExplanationDocument.Account) -> String {
        let money = { (value: Double) in MarginTable.amount(value, in: account.currency) }
        let percent = { (share: Double?) in share.map { String(format: "%.1f%%", $0 * 100) } ?? "" }
        var text = "\(account.id): ES \(money(account.expectedShortfall)) \(account.currency) at \(account.confidence)"
            + " (mean of the \(account.tailCount) largest losses; VaR \(money(account.valueAtRisk)))\n"
        // With stress scenarios, each line's loss in the account's worst one beside its ES share.
        let stress = account.stress
        let header = ["line", "kind", "quantity", "contribution", "share"] + (stress.map { _ in ["stress loss"] } ?? [])
        let rows = account.lines.map { line in
            [line.instrument, line.kind, String(format: "%.6g", line.quantity), money(line.contribution), percent(line.share)]
                + (stress.map { _ in [line.stressLoss.map(money) ?? ""] } ?? [])
        }
        let share = { (value: Double) in account.expectedShortfall != 0 ? value / account.expectedShortfall : nil }
        let footer = account.underlyings.map { ["  " + $0.name, "underlying", "", money($0.contribution), percent(share($0.contribution))] }
            + account.riskFactors.map { ["  " + $0.name, "risk factor", "", money($0.contribution), percent(share($0.contribution))] }
        let all = [header] + rows + footer
        text += TextTable.lines(all, leftAligned: [0, 1]).joined(separator: "\n")
        if let stress {
            text += "\nworst stress scenario: \(stress.scenario) (weight \(stress.weight)), loss \(money(stress.loss)) \(account.currency): the stress loss column adds up to it"
        }
        return text
    }
}
