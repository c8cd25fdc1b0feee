import Mustache

// Every object a report template reads (a row per account, 64 bars per
// histogram): each answers Mustache's lookups by name, where Mirror's reflection took a
// quarter of a second for a table of 2,000 accounts. A name it does not have is nil, as
// with Mirror, and Mustache looks further up its context.

extension ReportPage.Row: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "currency": currency
        case "equity": equity
        case "valueAtRisk": valueAtRisk
        case "expectedShortfall": expectedShortfall
        case "initialMargin": initialMargin
        case "excess": excess
        case "status": status
        default: nil
        }
    }
}

extension ReportPage.Legend: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "value": value
        case "fill": fill
        default: nil
        }
    }
}

extension ReportCharts.Bar: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "x": x
        case "y": y
        case "width": width
        case "height": height
        case "label": label
        case "value": value
        case "fill": fill
        default: nil
        }
    }
}

extension ReportCharts.Marker: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "x": x
        case "labelX": labelX
        case "labelY": labelY
        case "caption": caption
        case "stroke": stroke
        default: nil
        }
    }
}

extension ReportPage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "job": job
        case "scenarios": scenarios
        case "horizon": horizon
        case "confidence": confidence
        case "model": model
        case "engine": engine
        case "inputSHA256": inputSHA256
        case "accountCount": accountCount
        case "detailNote": detailNote
        case "rows": rows
        case "sections": sections
        default: nil
        }
    }
}

extension ReportPage.AccountSection: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "anchor": anchor
        case "currency": currency
        case "status": status
        case "initialMargin": initialMargin
        case "maintenanceMargin": maintenanceMargin
        case "equity": equity
        case "histogramBars": histogramBars
        case "markers": markers
        case "lowerLabel": lowerLabel
        case "upperLabel": upperLabel
        case "outside": outside
        case "components": components
        case "legend": legend
        case "barCharts": barCharts
        default: nil
        }
    }
}

extension ReportPage.BarChart: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "kind": kind
        case "height": height
        case "bars": bars
        default: nil
        }
    }
}
