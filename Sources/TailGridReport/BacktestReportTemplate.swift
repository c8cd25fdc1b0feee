/// The Mustache template of a backtest's report.html: self-contained like the margin
/// report (inline CSS and SVG, no scripts, no network), every value escaped by `{{ }}`.
enum BacktestReportTemplate {
    static let page = """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
    <title>TailGrid backtest: {{job}}</title>
    <style>
    \(ReportTemplate.sharedStyle)
    .green { color: #2e7d32; } .yellow { color: #b7950b; font-weight: bold; } .red { color: #c0392b; font-weight: bold; }
    .swatch { display: inline-block; width: 10px; height: 10px; margin: 0 6px 0 14px; }
    </style>
    </head>
    <body>
    <h1>Backtest: {{job}}</h1>
    <p class="meta">{{from}} to {{to}} every {{step}} days; {{horizon}}-day horizon, VaR at {{confidence}}, {{scenarios}} scenarios a day; engine {{engine}}. Losses are positive.</p>
    <p class="meta">{{method}}</p>
    <table>
    <tr><th>account</th><th>days</th><th>VaR exceptions</th><th>expected</th><th>Kupiec p</th><th>Christoffersen p</th><th>cond. coverage p</th><th>traffic light</th><th>ES Z2</th><th>margin exceptions</th></tr>
    {{#rows}}
    <tr><td>{{id}}</td><td>{{days}}</td><td>{{exceptions}}</td><td>{{expected}}</td><td>{{kupiec}}</td><td>{{christoffersen}}</td><td>{{conditionalCoverage}}</td><td class="{{trafficLight}}">{{trafficLight}}</td><td>{{shortfall}}</td><td>{{marginExceptions}}</td></tr>
    {{/rows}}
    </table>
    <p class="meta">{{detailNote}}</p>
    {{#sections}}
    <h2>{{id}}</h2>
    <p class="meta">{{summary}}. In {{currency}}.
    <span class="swatch" style="background: #1f4e79"></span>initial margin
    <span class="swatch" style="background: #e67e22"></span>VaR
    <span class="swatch" style="background: #3b6fb6"></span>realised loss
    <span class="swatch" style="background: #c0392b"></span>exception</p>
    {{#chart}}
    <svg class="backtest" width="980" height="280" viewBox="-60 -10 980 280" role="img" aria-label="margin and realised loss of {{id}}">
    <rect x="0" y="0" width="900" height="240" fill="#f7f9fc"/>
    <line x1="0" y1="{{zero}}" x2="900" y2="{{zero}}" stroke="#999"/>
    <polyline points="{{marginLine}}" fill="none" stroke="#1f4e79" stroke-width="3"/>
    <polyline points="{{valueAtRiskLine}}" fill="none" stroke="#e67e22" stroke-width="3"/>
    {{#points}}<circle cx="{{x}}" cy="{{y}}" r="{{radius}}" fill="{{fill}}"><title>{{title}}</title></circle>{{/points}}
    <text x="-4" y="10" text-anchor="end">{{upperLabel}}</text><text x="-4" y="240" text-anchor="end">{{lowerLabel}}</text>
    </svg>
    {{/chart}}
    <p class="meta">{{firstDate}} &hellip; {{lastDate}}</p>
    {{/sections}}
    </body>
    </html>
    """
}
