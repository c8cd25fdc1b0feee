import Foundation
import TailGridCalibration

/// A daily candle file: CSV with a header naming at least `datetime` and `close` (the
/// layout `datetime,open,high,low,close,volume` of common exchange and data-vendor
/// exports), one row per UTC day, dates `YYYY-MM-DD` (a time after the date is ignored)
/// in increasing order.
///
/// Refused, naming the file and line: a missing header or column, an unparsable date,
/// dates out of order or repeated. Missing days and closes that are empty, not numbers or
/// not positive are refused too unless the job says `fill: previous`, which carries the
/// previous close forward (a return of 0 on that day) and reports how many days it filled.
/// A `volume` column is read when present; a volume that is not a non-negative number
/// counts as unknown (0). Nothing uses volumes yet (the liquidity add-on will).
enum PriceFile {
    enum Fill: String, Sendable, CaseIterable {
        case reject
        case previous
    }

    static func read(_ bytes: Data, file: String, symbol: String, fill: Fill) throws(JobError) -> DailyPrices {
        let records = try CSVReader.records(of: bytes, file: file)
        guard let header = records.first else { throw JobError(.data, file: file, "is empty; expected a header with datetime and close") }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let dateColumn = names.firstIndex(where: { $0 == "datetime" || $0 == "date" }),
              let closeColumn = names.firstIndex(of: "close") else {
            throw JobError(.data, file: file, line: header.line,
                           "the header must name a datetime (or date) and a close column, got '\(header.fields.joined(separator: ","))'")
        }
        let volumeColumn = names.firstIndex(of: "volume")
        // First the dates: order and repeats, so a swapped pair is named as such, not as a gap.
        var rows: [(record: CSVReader.Record, day: Int)] = []
        for record in records.dropFirst() {
            func fail(_ message: String) -> JobError { JobError(.data, file: file, line: record.line, message) }
            guard record.fields.count == names.count else {
                throw fail("expected \(names.count) fields like the header, got \(record.fields.count)")
            }
            let dateText = record.fields[dateColumn].trimmingCharacters(in: .whitespaces)
            guard let day = CalendarDay.day(dateText.prefix(10)),
                  dateText.count == 10 || [" ", "T"].contains(dateText.dropFirst(10).first.map(String.init) ?? "") else {
                throw fail("expected a date like 2025-02-20, got '\(dateText.prefix(40))'")
            }
            if let last = rows.last?.day {
                guard day != last else { throw fail("\(CalendarDay.text(day)) appears twice") }
                guard day > last else {
                    throw fail("\(CalendarDay.text(day)) comes after \(CalendarDay.text(last)); the rows must be in increasing date order")
                }
            }
            rows.append((record, day))
        }
        var firstDay: Int?
        var closes: [Double] = []
        var volumes: [Double] = []
        var filled = 0
        var lastDay: Int?
        for (record, day) in rows {
            func fail(_ message: String) -> JobError { JobError(.data, file: file, line: record.line, message) }
            if let lastDay {
                if day > lastDay + 1 {
                    guard fill == .previous else {
                        throw fail("\(day - lastDay - 1) day(s) missing between \(CalendarDay.text(lastDay)) and \(CalendarDay.text(day)) (set fill: previous to carry the last close forward)")
                    }
                    for _ in (lastDay + 1)..<day {
                        closes.append(closes[closes.count - 1])
                        volumes.append(0)
                        filled += 1
                    }
                }
            } else {
                firstDay = day
            }
            let closeText = record.fields[closeColumn].trimmingCharacters(in: .whitespaces)
            if let close = Double(closeText), close.isFinite, close > 0, close < JobLimits.maxSpot {
                closes.append(close)
            } else {
                guard fill == .previous, let previous = closes.last else {
                    let advice = closes.isEmpty ? "" : " (set fill: previous to carry the last close forward)"
                    throw fail("close on \(CalendarDay.text(day)) must be a positive price below \(JobLimits.maxSpot), got '\(closeText.prefix(40))'\(advice)")
                }
                closes.append(previous)
                filled += 1
            }
            let volume = volumeColumn.flatMap { Double(record.fields[$0].trimmingCharacters(in: .whitespaces)) } ?? 0
            volumes.append(volume.isFinite && volume >= 0 ? volume : 0)
            lastDay = day
        }
        guard let firstDay else { throw JobError(.data, file: file, "holds a header but no prices") }
        return DailyPrices(symbol: symbol, firstDay: firstDay, closes: closes, volumes: volumes, filledDays: filled)
    }
}
