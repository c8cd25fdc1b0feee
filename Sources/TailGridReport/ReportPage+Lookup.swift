import Mustache

// The rows and bars of a report are its many objects (a row per account, 64 bars per
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
