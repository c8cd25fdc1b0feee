import Foundation
import Testing
import TailGridBacktest
import TailGridJob
import TailGridReport

/// report.html: rendered by headless Chromium (apt `chromium`, which scripts/test.sh
/// installs) and checked on the screenshot, and safe with hostile text and numbers.
@Suite struct ReportTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A screenshot of `page` at 1280 x `height`, through `timeout -s KILL` (a hung
    /// browser must not hang the suite; SIGTERM may be ignored by processes the tests
    /// start). The browser writes into a log file, not the pipes: helper processes it
    /// leaves behind would hold a pipe open.
    static func screenshot(_ page: URL, into png: URL, height: Int) async throws -> TailGridProcess.Outcome {
        let browser = try #require(chromium, "headless Chromium is needed: apt-get install chromium (scripts/test.sh installs it)")
        let profile = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: profile) }
        let log = png.deletingPathExtension().appendingPathExtension("log")
        let command = ["timeout", "-s", "KILL", "120", browser, "--headless=new", "--no-sandbox", "--disable-gpu",
                       "--hide-scrollbars", "--user-data-dir=\(profile.path)", "--screenshot=\(png.path)",
                       "--window-size=1280,\(height)", page.absoluteString].map(Self.quoted).joined(separator: " ")
        let outcome = try await TailGridProcess.run(["-c", "\(command) > \(Self.quoted(log.path)) 2>&1"],
                                              executable: URL(fileURLWithPath: "/bin/sh"))
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return TailGridProcess.Outcome(status: outcome.status, standardOutput: "", standardError: String(text.suffix(2_000)))
    }

    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func check(_ png: URL, backtest: Bool = false) async throws -> TailGridProcess.Outcome {
        try await TailGridProcess.run(["python3", TailGridProcess.repositoryRoot.appendingPathComponent("Tests/report/check_screenshot.py").path]
                                      + (backtest ? ["--backtest"] : []) + [png.path], executable: URL(fileURLWithPath: "/usr/bin/env"))
    }

    /// The Deribit grid job, explained: every chart is drawn (histogram bars, the VaR and
    /// ES markers, the IM components, contribution and stress bars), counted by colour on
    /// the screenshot; a blank page fails the same check, so the check can fail.
    @Test func reportRendersInChromium() async throws {
        let out = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try await TailGridProcess.run(["run", "jobs/deribit-grid.yaml", "--explain", "--quiet", "--out", out.path])
        #expect(run.status == 0, "\(run.standardError)")
        let page = out.appendingPathComponent("report.html")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"))
        #expect(html.components(separatedBy: "<svg class=\"histogram\"").count == 6)
        // Every field of the table's rows and of the charts' bars and markers is filled
        // (their names are looked up by `ReportPage+Lookup`, not by reflection): no empty
        // cell, attribute or caption, and each account's row starts with its id.
        #expect(!html.contains("<td></td>") && !html.contains("=\"\"") && !html.contains("<title></title>")
                && !html.contains("<text x=\"\""))
        let result = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("result.json"))) as? [String: Any]
        let accounts = result?["accounts"] as? [[String: Any]] ?? []
        #expect(accounts.count == 5)
        for account in accounts {
            let id = account["id"] as? String ?? "?"
            let currency = id == "btc-margined" ? "BTC" : "USD"
            #expect(html.contains("<tr><td>\(id)</td><td>\(currency)</td><td>"), "\(id)")
        }

        let png = out.appendingPathComponent("report.png")
        let shot = try await Self.screenshot(page, into: png, height: 6000)
        #expect(shot.status == 0, "\(shot.standardError)")
        let checked = try await Self.check(png)
        #expect(checked.status == 0, "\(checked.standardOutput)\(checked.standardError)")

        let blank = out.appendingPathComponent("blank.html")
        try Data("<!DOCTYPE html><html><body></body></html>".utf8).write(to: blank)
        let blankShot = out.appendingPathComponent("blank.png")
        #expect(try await Self.screenshot(blank, into: blankShot, height: 800).status == 0)
        #expect(try await Self.check(blankShot).status == 1)
    }

    /// A backtest over the March 2020 crash: its report draws the margin and VaR lines,
    /// the realised losses and the exceptions (the crash is one for both accounts); the
    /// same check fails on a blank page.
    @Test func backtestReportRendersInChromium() async throws {
        let folder = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let job = try BacktestCommandTests.write(BacktestCommandTests.job(), into: folder)
        let out = folder.appendingPathComponent("out")
        let run = try await TailGridProcess.run(["backtest", job, "--from", "2020-02-01", "--to", "2020-04-30", "--quiet",
                                                 "--out", out.path])
        #expect(run.status == 0, "\(run.standardError)")
        let page = out.appendingPathComponent("report.html")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"))
        #expect(html.components(separatedBy: "<svg class=\"backtest\"").count == 3)
        #expect(html.contains("&#39;=short,puts") || html.contains("=short,puts"))
        let png = out.appendingPathComponent("report.png")
        #expect(try await Self.screenshot(page, into: png, height: 1200).status == 0)
        let checked = try await Self.check(png, backtest: true)
        #expect(checked.status == 0, "\(checked.standardOutput)\(checked.standardError)")

        let blank = folder.appendingPathComponent("blank.html")
        try Data("<!DOCTYPE html><html><body></body></html>".utf8).write(to: blank)
        let blankShot = folder.appendingPathComponent("blank.png")
        #expect(try await Self.screenshot(blank, into: blankShot, height: 800).status == 0)
        #expect(try await Self.check(blankShot, backtest: true).status == 1)
    }

    /// A book larger than one block of rows and of charts (`Report.html` renders them in
    /// blocks at once): every account's row once, in the result's order, then the charts
    /// of the 50 largest IMs, largest first, each with its own histogram.
    @Test func blocksOfRowsAndChartsKeepTheirOrder() async throws {
        let out = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try await TailGridProcess.run(["run", "jobs/deribit-grid.yaml", "--quiet", "--out", out.path]).status == 0)
        var document = try JSONDecoder().decode(ResultDocument.self, from: Data(contentsOf: out.appendingPathComponent("result.json")))
        let base = document.accounts
        document.accounts = (0..<2_345).map { index in
            var account = base[index % base.count]
            account.id = "acct-\(index)"
            account.initialMargin = Double((index * 7_919) % 2_345) + 1
            account.histogram.counts = account.histogram.counts.map { _ in index }
            return account
        }
        let html = String(decoding: try Report.html(result: document), as: UTF8.self)
        let rowIds = html.components(separatedBy: "<tr><td>").dropFirst().map { String($0.prefix { $0 != "<" }) }
        let sectionIds = html.components(separatedBy: "<h2 id=\"account-").dropFirst()
            .map { String($0.drop { $0 != ">" }.dropFirst().prefix { $0 != " " }) }
        let charted = document.accounts.sorted { $0.initialMargin > $1.initialMargin }.prefix(50)
        #expect(Array(rowIds.prefix(2_345)) == document.accounts.map(\.id))
        #expect(sectionIds == charted.map(\.id))
        // Each chart's histogram is its own account's (every bar's title is its count).
        let titles = html.components(separatedBy: "<svg class=\"histogram\"").dropFirst().map { chart in
            String(chart.components(separatedBy: "<title>").dropFirst().first?.prefix { $0 != " " } ?? "")
        }
        #expect(titles == charted.map { $0.id.dropFirst(5) }.map(String.init))
    }

    /// The table's rows (written without Mustache, `ReportLine`): each account's row
    /// starts with its id escaped byte by byte (the five HTML specials as entities), its
    /// status in the class and the cell, and text that looks like a placeholder is
    /// written as it is, never filled in.
    @Test func tableRowsEscapeEveryValue() async throws {
        let out = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try await TailGridProcess.run(["run", "jobs/deribit-grid.yaml", "--quiet", "--out", out.path]).status == 0)
        var document = try JSONDecoder().decode(ResultDocument.self, from: Data(contentsOf: out.appendingPathComponent("result.json")))
        let ids = [Self.quoteWithAccent, "<&>\"'", "{{id}}", "{{{status}}} {{#rows}}", "plain-id", "\u{1F600}&amp;"]
        // Six accounts from the book's five, so every id has a row.
        document.accounts.append(document.accounts[0])
        try #require(document.accounts.count >= ids.count)
        for (index, id) in ids.enumerated() { document.accounts[index].id = id }
        document.accounts[0].status = "margin_call"
        let html = String(decoding: try Report.html(result: document), as: UTF8.self)
        func escaped(_ text: String) -> String {
            var out = ""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "'": out += "&#39;"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out
        }
        // The table comes first; the charts' legends and stress tables follow.
        let rows = html.components(separatedBy: "<tr><td>").dropFirst().map { $0.prefix { $0 != "\n" } }
        try #require(rows.count >= document.accounts.count)
        for (row, account) in zip(rows, document.accounts) {
            #expect(row.hasPrefix(escaped(account.id) + "</td><td>" + escaped(account.marginCurrency) + "</td><td>"), "\(row)")
            #expect(row.hasSuffix("<td class=\"\(account.status)\">\(account.status)</td></tr>"), "\(row)")
            #expect(row.components(separatedBy: "<td").count == 8, "\(row)")
        }
        #expect(html.contains("<tr><td>{{id}}</td>"), "a placeholder's text is written as it is")
        #expect(html.contains("<tr><td>&lt;&amp;&gt;&quot;&#39;</td>"))
    }

    /// An id that ends an attribute if its quote is written raw.
    static let quoteWithAccent = "a\"\u{301} onmouseover=alert(1) x=\"\u{301}"

    /// `quoteWithAccent` appears only escaped: no quote byte followed by the accent's bytes.
    static func expectQuotesEscaped(_ html: String) throws {
        let bytes = Data(html.utf8)
        #expect(bytes.range(of: Data("\"\u{301}".utf8)) == nil, "a quote before a combining mark was written raw")
        #expect(bytes.range(of: Data("a&quot;\u{301} onmouseover=alert(1) x=&quot;\u{301}".utf8)) != nil)
    }

    /// The backtest report with hostile ids and numbers no backtest should hold: escaped
    /// text, finite coordinates.
    @Test func backtestReportIsSafeWithHostileTextAndNumbers() async throws {
        let folder = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let job = try BacktestCommandTests.write(BacktestCommandTests.job(), into: folder)
        let out = folder.appendingPathComponent("out")
        let run = try await TailGridProcess.run(["backtest", job, "--from", "2021-01-01", "--to", "2021-01-10", "--quiet",
                                                 "--out", out.path])
        #expect(run.status == 0, "\(run.standardError)")
        var document = try JSONDecoder().decode(BacktestDocument.self, from: Data(contentsOf: out.appendingPathComponent("backtest.json")))
        document.accounts[0].id = "<script>alert(1)</script>"
        document.accounts[1].currency = "\"><img src=x onerror=alert(1)>"
        document.job = "<b>job</b>"
        document.days[0].accounts[0].realisedLoss = .nan
        document.days[1].accounts[0].initialMargin = .infinity
        document.days[2].accounts[1].valueAtRisk = -1e308
        document.days[3].accounts[1].realisedLoss = 1e308
        document.days.removeLast()
        document.accounts[1].id = Self.quoteWithAccent
        let html = String(decoding: try BacktestReport.html(document), as: UTF8.self)
        #expect(!html.contains("<script>") && !html.contains("<img") && !html.contains("<b>job"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        try Self.expectQuotesEscaped(html)
        for bad in ["nan,", ",nan", "inf,", ",inf", "=\"nan\"", "=\"inf\"", "\"nan", "\"-nan"] {
            #expect(!html.contains(bad), "\(bad)")
        }
        document.days = []
        _ = try BacktestReport.html(document)
    }

    /// Account ids and stress names come from job files: markup in them is escaped, and
    /// numbers no result should hold (NaN, infinities, 1e308, empty histograms) give
    /// finite coordinates, never "nan" or "inf" in the SVG.
    @Test func hostileTextAndNumbersAreSafe() async throws {
        let out = TailGridProcess.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try await TailGridProcess.run(["run", "jobs/deribit-grid.yaml", "--quiet", "--out", out.path]).status == 0)
        var document = try JSONDecoder().decode(ResultDocument.self, from: Data(contentsOf: out.appendingPathComponent("result.json")))
        document.accounts[0].id = "<script>alert(1)</script>"
        document.accounts[1].id = "\"><img src=x onerror=alert(1)>"
        document.accounts[0].equity = .nan
        document.accounts[0].initialMargin = .infinity
        document.accounts[0].histogram.counts = []
        document.accounts[1].histogram.lower = 1e308
        document.accounts[1].histogram.upper = -1e308
        document.accounts[1].es = [:]
        document.accounts[2].marginComponents.base = -.infinity
        if var stress = document.accounts[2].stress {
            stress.losses = ["<b>crash</b>": .nan, "up": 1e308, "down": -1e308]
            document.accounts[2].stress = stress
        }
        // A quote followed by a combining mark is one Character that is not a quote:
        // escaping by Characters (Mustache's own) wrote it raw, closing the attribute.
        document.accounts[3].id = Self.quoteWithAccent
        let html = String(decoding: try Report.html(result: document), as: UTF8.self)
        #expect(!html.contains("<script>") && !html.contains("<img") && !html.contains("<b>crash"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        try Self.expectQuotesEscaped(html)
        for bad in ["=\"nan\"", "=\"inf\"", "=\"-inf\"", "\"nan", "\"-nan"] {
            #expect(!html.contains(bad), "\(bad)")
        }
    }
}
