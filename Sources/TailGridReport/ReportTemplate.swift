/// The Mustache template of report.html: one self-contained page (inline CSS and SVG, no
/// scripts, no network). Every value is HTML-escaped by Mustache's `{{ }}`; account ids,
/// instrument and stress names come from job files and are hostile text.
enum ReportTemplate {
    /// The CSS every TailGrid page shares (the margin report, a backtest's report).
    static let sharedStyle = """
    body { font: 14px/1.4 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px; color: #222; background: #fff; }
    h1 { font-size: 22px; margin: 0 0 4px; }
    h2 { font-size: 18px; margin: 32px 0 6px; border-top: 1px solid #ccc; padding-top: 16px; }
    .meta { color: #555; }
    table { border-collapse: collapse; margin: 8px 0; }
    th, td { padding: 3px 10px; text-align: right; border-bottom: 1px solid #eee; }
    th:first-child, td:first-child { text-align: left; }
    svg text { font: 11px Helvetica, Arial, sans-serif; fill: #333; }
    """

    static let page = """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
    <title>TailGrid margin report: {{job}}</title>
    <style>
    \(sharedStyle)
    h3 { font-size: 14px; margin: 14px 0 4px; color: #555; }
    .ok { color: #2e7d32; } .margin_call { color: #e67e22; font-weight: bold; } .liquidation { color: #c0392b; font-weight: bold; }
    .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; }
    .charts { display: flex; flex-wrap: wrap; gap: 24px; }
    </style>
    </head>
    <body>
    <h1>Margin report: {{job}}</h1>
    <p class="meta">{{scenarios}} scenarios, {{horizon}}-day horizon, confidence {{confidence}}, model {{model}};
    engine {{engine}}; input SHA-256 {{inputSHA256}}. Losses are positive.</p>
    <table>
    <tr><th>account</th><th>in</th><th>equity</th><th>VaR {{confidence}}</th><th>ES {{confidence}}</th><th>IM</th><th>excess</th><th>status</th></tr>
    {{{tableRows}}}</table>
    <p class="meta">{{accountCount}} accounts. {{detailNote}}</p>
    {{{accountSections}}}</body>
    </html>

    """

    /// The table's line for each account (plain values only: `ReportLine`), rendered in
    /// blocks of `ReportPage.rowsPerBlock` into `tableRows`.
    static let row = """
    <tr><td>{{id}}</td><td>{{currency}}</td><td>{{equity}}</td><td>{{valueAtRisk}}</td><td>{{expectedShortfall}}</td><td>{{initialMargin}}</td><td>{{excess}}</td><td class="{{status}}">{{status}}</td></tr>\n
    """

    /// The accounts' charts, rendered in blocks of `ReportPage.sectionsPerBlock` into
    /// `accountSections`.
    static let sections = """
    {{#sections}}<h2 id="{{anchor}}">{{id}} <span class="{{status}}">{{status}}</span></h2>
    <p class="meta">IM {{initialMargin}} {{currency}}, MM {{maintenanceMargin}}, equity {{equity}}.</p>
    <div class="charts">
    <div>
    <h3>Loss distribution</h3>
    <svg class="histogram" width="660" height="220" viewBox="-10 -10 660 220" role="img" aria-label="loss histogram of {{id}}">
    <rect x="0" y="0" width="640" height="180" fill="#f7f9fc"/>
    {{{histogramBars}}}
    {{#markers}}<line x1="{{x}}" y1="0" x2="{{x}}" y2="180" stroke="{{stroke}}" stroke-width="3"/><text x="{{labelX}}" y="{{labelY}}">{{caption}}</text>{{/markers}}
    <line x1="0" y1="180" x2="640" y2="180" stroke="#333"/>
    <text x="0" y="196">{{lowerLabel}}</text><text x="640" y="196" text-anchor="end">{{upperLabel}}</text>
    </svg>
    <div class="meta">{{outside}}</div>
    </div>
    <div>
    <h3>Initial margin components</h3>
    <svg class="components" width="440" height="34" viewBox="-10 -5 440 34" role="img" aria-label="IM components of {{id}}">
    <rect x="0" y="0" width="420" height="24" fill="#f7f9fc"/>
    {{{components}}}
    </svg>
    <table>{{#legend}}<tr><td><span class="swatch" style="background: {{fill}}"></span>{{label}}</td><td>{{value}}</td></tr>{{/legend}}</table>
    </div>
    {{#barCharts}}
    <div>
    <h3>{{title}}</h3>
    <svg class="{{kind}}" width="760" height="{{height}}" viewBox="0 0 760 {{height}}" role="img" aria-label="{{title}}">
    <line x1="210" y1="0" x2="210" y2="{{height}}" stroke="#999"/>
    {{{bars}}}
    </svg>
    </div>
    {{/barCharts}}
    </div>
    {{/sections}}
    """

    /// A histogram's bar (`BarLines.histogram`; plain values only, as each line below).
    static let histogramBar = """
    <rect x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" fill="{{fill}}"><title>{{value}} scenarios</title></rect>
    """

    /// An IM component's stacked bar (`BarLines.component`).
    static let componentBar = """
    <rect x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" fill="{{fill}}"><title>{{label}}: {{value}}</title></rect>
    """

    /// A contributions or stress chart's bar with its label (`BarLines.chart`).
    static let chartBar = """
    <rect x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" fill="{{fill}}"/><text x="430" y="{{y}}" dy="12">{{label}}: {{value}}</text>
    """
}
