import Foundation
import TailGridBacktest
import TailGridJob

/// What the backtest template draws: the test table of every account, and for the
/// accounts with the most VaR exceptions (`detailLimit`) the margin, VaR and realised
/// loss over the days, exceptions in red.
struct BacktestReportPage {
    struct Row {
        let id: String
        let days: Int
        let exceptions: Int
        let expected: String
        let kupiec: String
        let christoffersen: String
        let conditionalCoverage: String
        let trafficLight: String
        let shortfall: String
        let marginExceptions: Int
    }

    struct Section {
        let id: String
        let currency: String
        let summary: String
        let chart: BacktestChart
        let firstDate: String
        let lastDate: String
    }

    /// Charts for this many accounts at most (a page per 20,000 accounts would not load).
    static let detailLimit = 20

    let job: String
    let from: String
    let to: String
    let step: Int
    let horizon: String
    let confidence: String
    let scenarios: Int
    let engine: String
    let method: String
    let rows: [Row]
    let sections: [Section]
    let detailNote: String

    init(_ document: BacktestDocument) {
        let p = { (value: Double) in String(format: "%.3f", value) }
        job = document.job
        from = document.from
        to = document.to
        step = document.step
        horizon = String(format: "%g", document.horizonDays)
        confidence = String(format: "%g", document.confidence)
        scenarios = document.scenarios
        engine = document.engineVersion
        method = document.method
        rows = document.accounts.map { account in
            Row(id: account.id, days: account.days, exceptions: account.varExceptions,
                expected: String(format: "%.2f", account.expectedExceptions), kupiec: p(account.kupiec.pValue),
                christoffersen: account.christoffersen.map { p($0.pValue) } ?? "-",
                conditionalCoverage: account.conditionalCoverage.map { p($0.pValue) } ?? "-",
                trafficLight: account.trafficLight,
                shortfall: account.esBacktest.map { String(format: "%.2f %@", $0.z2, $0.zone) } ?? "-",
                marginExceptions: account.marginExceptions)
        }
        let ranked = document.accounts.indices.sorted {
            (document.accounts[$0].varExceptions, $1) > (document.accounts[$1].varExceptions, $0)
        }
        let dates = document.days.map(\.date)
        sections = ranked.prefix(Self.detailLimit).map { index in
            let account = document.accounts[index]
            let money = { (value: Double) in MoneyFormat.amount(value, in: account.currency) }
            let figures = document.days.map { $0.accounts.indices.contains(index) ? $0.accounts[index] : nil }
            let chart = BacktestChart(dates: dates, margin: figures.map { $0?.initialMargin ?? .nan },
                                      valueAtRisk: figures.map { $0?.valueAtRisk ?? .nan },
                                      realised: figures.map { $0?.realisedLoss ?? .nan }, money: money)
            return Section(id: account.id, currency: account.currency,
                           summary: "\(account.varExceptions) VaR exceptions in \(account.days) days (\(String(format: "%.2f", account.expectedExceptions)) expected), \(account.trafficLight) zone; \(account.marginExceptions) margin exceptions",
                           chart: chart, firstDate: dates.first ?? "", lastDate: dates.last ?? "")
        }
        detailNote = document.accounts.count > Self.detailLimit
            ? "Charts for the \(Self.detailLimit) accounts with the most VaR exceptions; backtest.csv has every account's days."
            : ""
    }
}
