import Foundation
import TailGridCalibration

/// `market.calibration`: scenario vols and spot correlations from daily price files.
///
/// ```yaml
/// calibration:
///   prices: { BTC: BTC-USD.csv, ETH: ETH-USD.csv }
///   as_of: 2025-02-19        # last close used; default: the day before valuation_time
///   lookback_days: 750       # daily returns in the window
///   method: ewma             # or sample
///   lambda: 0.94             # ewma decay
///   fill: reject             # or previous
/// ```
extension JobDecoder {
    struct DecodedCalibration {
        let calibration: Calibration
        let window: ReturnWindow
        let field: YAMLField
        var report: CalibrationReport
        /// The price files the calibration read (historical stress reuses them).
        let prices: PriceHistories
        /// The lookback floor's sample calibration over its lookback, to the same as_of.
        var floor: Calibration? = nil
    }

    /// How the calibration estimates the covariance.
    enum Method: String, CaseIterable {
        case ewma
        case sample
    }

    static let defaultLookbackDays = 750
    /// The lookbacks a calibration or an fhs model may ask for, in days.
    static let lookbackDays = 20...10_000
    static let defaultLambda = 0.94

    /// `stressed`: `margin.apc`'s stressed weighting, which this calibration applies;
    /// `floorLookbackDays`: `margin.apc`'s lookback floor, estimated beside it.
    func calibration(_ field: YAMLField, symbols: [String], valuationTime: Date, dataDirectory: String?,
                     stressed: StressedSpec? = nil, floorLookbackDays: Int? = nil) throws(JobError) -> DecodedCalibration {
        let mapping = try field.mapping(allowed: ["prices", "as_of", "lookback_days", "method", "lambda", "fill"])
        let valuationDay = Int((valuationTime.timeIntervalSince1970 / 86_400).rounded(.down))
        var asOf = valuationDay - 1
        // A backtest day's calibration ends the day before it, whatever as_of says.
        if backtestDay == nil, let asOfField = mapping.optional("as_of") {
            guard let day = CalendarDay.day(try asOfField.string()) else {
                throw asOfField.error("expected a date like 2025-02-19, got \(asOfField.shown)")
            }
            // The close of day d is known at the end of d: later closes are the future.
            guard Double(day + 1) * 86_400 <= valuationTime.timeIntervalSince1970 else {
                throw asOfField.error("the close of \(CalendarDay.text(day)) is not known at valuation_time; as_of must be \(CalendarDay.text(valuationDay - 1)) or earlier")
            }
            asOf = day
        }
        let lookback = try mapping.optional("lookback_days")?.integer(in: Self.lookbackDays) ?? Self.defaultLookbackDays
        let method = try mapping.optional("method")?.choice(Method.self) ?? .ewma
        let lambdaField = mapping.optional("lambda")
        if method == .sample, let lambdaField { throw lambdaField.error("lambda applies to method: ewma only") }
        let lambda = try lambdaField?.double(in: 0...1, open: true, "a decay in (0, 1), like 0.94") ?? Self.defaultLambda
        let fill = try mapping.optional("fill")?.choice(PriceFile.Fill.self) ?? .reject
        let prices = try priceHistories(try mapping.required("prices"), symbols: symbols, fill: fill,
                                        dataDirectory: dataDirectory)
        let (histories, files, fileFields) = (prices.histories, prices.files, prices.fields)
        let window: ReturnWindow
        let calibration: Calibration
        var floor: Calibration?
        do {
            window = try ReturnWindow(prices: histories, asOf: asOf, days: lookback)
            let weighting = try stressed.map { spec throws(JobError) in
                try Self.stressedWeighting(spec, prices: histories, asOf: asOf, files: files)
            }
            calibration = try Calibration(window: window, estimator: method == .ewma ? .ewma(lambda: lambda) : .sample,
                                          stressed: weighting)
            // The lookback, or the longest history every price file has when one begins
            // later (ETH's files begin in 2017): the result gives the window used.
            floor = try floorLookbackDays.map { days in
                let available = histories.map { asOf - $0.firstDay }.min() ?? 0
                return try Calibration(window: try ReturnWindow(prices: histories, asOf: asOf, days: Swift.min(days, available)),
                                       estimator: .sample)
            }
        } catch let error as JobError {
            throw error
        } catch let error as CalibrationError {
            if let symbol = error.symbol, let reference = files[symbol], let entry = fileFields[symbol] {
                throw JobError(.data, file: reference, field: entry.path, line: entry.line, error.message)
            }
            throw field.error(error.message)
        } catch {
            throw field.error("\(error)")
        }
        let report = CalibrationReport(
            method: method.rawValue, lambda: method == .ewma ? lambda : nil, asOf: CalendarDay.text(asOf),
            window: [CalendarDay.text(window.firstDay), CalendarDay.text(window.lastDay)], returns: window.days,
            priceFiles: files,
            vols: Dictionary(uniqueKeysWithValues: zip(calibration.symbols, calibration.vols)),
            correlation: Self.correlationReport(calibration),
            filledDays: Dictionary(uniqueKeysWithValues: histories.map { ($0.symbol, $0.filledDays) }),
            fhs: nil,
            stressed: calibration.stressed.map { weighting in
                CalibrationReport.Stressed(
                    weight: weighting.weight,
                    period: [CalendarDay.text(weighting.window.firstDay), CalendarDay.text(weighting.window.lastDay)],
                    selection: weighting.found
                        ? "the most volatile \(StressedWeighting.defaultPeriodDays) days of returns in the \(StressedWeighting.defaultSearchDays) days to as_of"
                        : "given",
                    windowVols: Dictionary(uniqueKeysWithValues: zip(calibration.symbols, calibration.windowVols)),
                    stressedVols: Dictionary(uniqueKeysWithValues: zip(calibration.symbols, calibration.stressedVols ?? [])))
            })
        var decoded = DecodedCalibration(calibration: calibration, window: window, field: field, report: report,
                                         prices: prices, floor: floor)
        if let floor {
            decoded.report.lookbackFloor = CalibrationReport.LookbackFloor(
                window: [CalendarDay.text(floor.firstDay), CalendarDay.text(floor.lastDay)],
                returns: floor.days, vols: Dictionary(uniqueKeysWithValues: zip(floor.symbols, floor.vols)),
                correlation: Self.correlationReport(floor))
        }
        return decoded
    }

    /// A calibration's correlation matrix as the report writes it.
    static func correlationReport(_ calibration: Calibration) -> CalibrationReport.Correlation {
        let n = calibration.symbols.count
        return .init(factors: calibration.symbols,
                     matrix: (0..<n).map { i in Array(calibration.correlation[(i * n)..<((i + 1) * n)]) })
    }

    /// `margin.apc: { method: stressed_weight }` as written.
    struct StressedSpec {
        let weight: Double
        let period: (first: Int, last: Int)?
        let field: YAMLField
    }

    /// The stressed period's returns: as given (it must end by `asOf`: later returns are
    /// the future), or the most volatile year of the ten before.
    static func stressedWeighting(_ spec: StressedSpec, prices: [DailyPrices], asOf: Int,
                                  files: [String: String]) throws(JobError) -> StressedWeighting {
        do {
            if let period = spec.period {
                guard period.last <= asOf else {
                    throw JobError(.data, file: spec.field.file, field: spec.field.path + ".stressed_period", line: spec.field.line,
                                   "the stressed period ends \(CalendarDay.text(period.last)), after the calibration's as_of \(CalendarDay.text(asOf)): its returns are not known yet")
                }
                let window = try ReturnWindow(prices: prices, asOf: period.last, days: period.last - period.first + 1)
                return try StressedWeighting(weight: spec.weight, window: window, found: false)
            }
            let window = try StressedWeighting.mostVolatile(prices: prices, asOf: asOf, days: StressedWeighting.defaultPeriodDays,
                                                            searchDays: StressedWeighting.defaultSearchDays)
            return try StressedWeighting(weight: spec.weight, window: window, found: true)
        } catch let error as JobError {
            throw error
        } catch let error as CalibrationError {
            let file = error.symbol.flatMap { files[$0] }.map { " (\($0))" } ?? ""
            throw spec.field.error("stressed_weight: \(error.message)\(file)")
        } catch {
            throw spec.field.error("stressed_weight: \(error)")
        }
    }

    /// Daily price files by symbol (`prices: { BTC: BTC-USD.csv }`), sorted by symbol, the
    /// engine's factor order.
    struct PriceHistories {
        let histories: [DailyPrices]
        let files: [String: String]
        let fields: [String: YAMLField]
    }

    /// The price files of every underlying for `what` (historical stress, the liquidity
    /// add-on): its own `prices` key if given, else the calibration's.
    func everyUnderlyingsPrices(for what: String, at field: YAMLField, own: YAMLField?, ownKey: String,
                                calibration: PriceHistories?, symbols: [String],
                                dataDirectory: String?) throws(JobError) -> PriceHistories {
        let prices: PriceHistories
        if let own {
            prices = try priceHistories(own, symbols: symbols, fill: .reject, dataDirectory: dataDirectory)
        } else if let calibration {
            prices = calibration
        } else {
            throw field.error("\(what) needs daily price files: add \(ownKey) or market.calibration.prices")
        }
        let missing = symbols.filter { prices.files[$0] == nil }
        guard missing.isEmpty else {
            throw field.error("\(what) needs a price file for every underlying; none for \(missing.joined(separator: ", "))")
        }
        return prices
    }

    func priceHistories(_ pricesField: YAMLField, symbols: [String], fill: PriceFile.Fill,
                        dataDirectory: String?) throws(JobError) -> PriceHistories {
        var histories: [DailyPrices] = []
        var files: [String: String] = [:]
        var fields: [String: YAMLField] = [:]
        for (symbol, entry) in try pricesField.anyMapping().entries {
            guard symbols.contains(symbol) else {
                throw entry.error("'\(symbol)' is not in market.underlyings (\(symbols.joined(separator: ", ")))")
            }
            let reference = try entry.string()
            let bytes = try readInput(JobInputRequest(kind: .prices, reference: reference, field: entry,
                                                      dataDirectory: dataDirectory))
            histories.append(try PriceFile.read(bytes, file: reference, symbol: symbol, fill: fill))
            files[symbol] = reference
            fields[symbol] = entry
        }
        guard !histories.isEmpty else { throw pricesField.error("expected at least one price file") }
        histories.sort { $0.symbol < $1.symbol }
        return PriceHistories(histories: histories, files: files, fields: fields)
    }
}
