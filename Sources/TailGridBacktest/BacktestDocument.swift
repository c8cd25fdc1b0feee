import Foundation
import TailGridCalibration
import TailGridJob

/// backtest.json and backtest.csv: the statistics per account and every day's figures.
public struct BacktestDocument: Codable, Sendable, Equatable {
    public struct Test: Codable, Sendable, Equatable {
        public var statistic: Double
        public var pValue: Double

        init(_ ratio: LikelihoodRatio) {
            statistic = ratio.statistic
            pValue = ratio.pValue
        }

        enum CodingKeys: String, CodingKey {
            case statistic
            case pValue = "p_value"
        }
    }

    public struct Shortfall: Codable, Sendable, Equatable {
        public var z2: Double
        public var zone: String
    }

    public struct Account: Codable, Sendable, Equatable {
        public var id: String
        public var currency: String
        public var days: Int
        public var varExceptions: Int
        public var expectedExceptions: Double
        public var kupiec: Test
        public var christoffersen: Test?
        public var conditionalCoverage: Test?
        public var trafficLight: String
        /// P(X <= exceptions) of a correct model: the traffic light's probability.
        public var trafficLightProbability: Double
        public var esBacktest: Shortfall?
        public var esBacktestUnavailable: String?
        public var marginExceptions: Int

        enum CodingKeys: String, CodingKey {
            case id, currency, days, kupiec, christoffersen
            case varExceptions = "var_exceptions"
            case expectedExceptions = "expected_exceptions"
            case conditionalCoverage = "conditional_coverage"
            case trafficLight = "traffic_light"
            case trafficLightProbability = "traffic_light_probability"
            case esBacktest = "es_backtest"
            case esBacktestUnavailable = "es_backtest_unavailable"
            case marginExceptions = "margin_exceptions"
        }
    }

    public struct Day: Codable, Sendable, Equatable {
        public struct Figures: Codable, Sendable, Equatable {
            public var id: String
            public var valueAtRisk: Double
            public var expectedShortfall: Double
            public var initialMargin: Double
            public var realisedLoss: Double

            enum CodingKeys: String, CodingKey {
                case id
                case valueAtRisk = "var"
                case expectedShortfall = "es"
                case initialMargin = "initial_margin"
                case realisedLoss = "realised_loss"
            }
        }

        public var date: String
        public var spots: [String: Double]
        public var accounts: [Figures]
    }

    public var job: String
    public var engineVersion: String
    public var from: String
    public var to: String
    public var step: Int
    public var horizonDays: Double
    public var confidence: Double
    public var scenarios: Int
    public var method: String
    public var accounts: [Account]
    public var days: [Day]

    enum CodingKeys: String, CodingKey {
        case job, from, to, step, confidence, scenarios, method, accounts, days
        case engineVersion = "engine_version"
        case horizonDays = "horizon_days"
    }

    public static let method = "each day d re-dates the job: calibration as of the close of d - 1, spots at that close, the book rebased to keep each instrument's time to expiry and moneyness and each position's coin exposure; the margin is the job's, without stress scenarios; the realised loss revalues that book at the closes of d - 1 + horizon_days with implied vols held"

    public init(job: LoadedJob, run: BacktestRun, summary: BacktestSummary, step: Int) {
        let ids = job.engineJob.accounts.map(\.id)
        self.job = job.engineJob.name
        self.engineVersion = EngineVersion.current
        self.from = run.days.first.map(CalendarDay.text) ?? ""
        self.to = run.days.last.map(CalendarDay.text) ?? ""
        self.step = step
        self.horizonDays = summary.horizonDays
        self.confidence = summary.confidence
        self.scenarios = run.scenarios ?? job.engineJob.scenarios
        self.method = Self.method
        self.accounts = summary.accounts.map { account in
            Account(id: account.id, currency: account.currency, days: account.coverage.observations,
                    varExceptions: account.coverage.exceptions, expectedExceptions: account.coverage.expectedExceptions,
                    kupiec: Test(account.coverage.kupiec), christoffersen: account.coverage.independence.map(Test.init),
                    conditionalCoverage: account.coverage.conditionalCoverage.map(Test.init),
                    trafficLight: account.coverage.trafficLight.zone.rawValue,
                    trafficLightProbability: account.coverage.trafficLight.cumulativeProbability,
                    esBacktest: account.shortfall.map { Shortfall(z2: $0.statistic, zone: $0.zone.rawValue) },
                    esBacktestUnavailable: account.shortfallUnavailable, marginExceptions: account.marginExceptions)
        }
        self.days = summary.days.map { day in
            Day(date: CalendarDay.text(day.day), spots: day.spots,
                accounts: zip(ids, day.accounts).map { id, figures in
                    Day.Figures(id: id, valueAtRisk: figures.valueAtRisk, expectedShortfall: figures.expectedShortfall,
                                initialMargin: figures.initialMargin, realisedLoss: figures.realisedLoss)
                })
        }
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    /// One row per day and account.
    public func csvData() -> Data {
        var text = "date,account,var,es,initial_margin,realised_loss,var_exception,margin_exception\n"
        for day in days {
            for figures in day.accounts {
                let id = ResultWriter.csvField(figures.id)
                text += "\(day.date),\(id),\(figures.valueAtRisk),\(figures.expectedShortfall),\(figures.initialMargin),\(figures.realisedLoss),\(figures.realisedLoss > figures.valueAtRisk ? 1 : 0),\(figures.realisedLoss > figures.initialMargin ? 1 : 0)\n"
            }
        }
        return Data(text.utf8)
    }
}
