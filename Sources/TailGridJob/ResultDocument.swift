import Foundation
import TailGridEngine
import TailGridNumerics

/// `result.json`: the job's identity, its settings and every account's figures.
/// Losses are positive numbers in USD; per-confidence figures are keyed by the
/// confidence as written in the job (`"0.99"`).
public struct ResultDocument: Codable, Sendable, Equatable {
    public struct Histogram: Codable, Sendable, Equatable {
        public var lower: Double
        public var upper: Double
        public var counts: [Int]
        public var underflow: Int
        public var overflow: Int
    }

    /// What initial margin is made of; base + stress_uplift + short_option_uplift +
    /// liquidity_add_on is the initial margin (see the README's margin methodology).
    public struct MarginComponents: Codable, Sendable, Equatable {
        public var base: Double
        public var stressUplift: Double
        public var shortOptionUplift: Double
        public var liquidityAddOn: Double
        /// What the anti-procyclicality buffer added (0 without one, or released).
        public var apcBuffer: Double
        /// What the lookback floor added, max(0, C_10y - C) (absent without one).
        public var apcFloorUplift: Double? = nil
        /// C_10y: the margin before APC under the lookback floor's scenarios (absent
        /// without one).
        public var apcFloorMargin: Double? = nil
        /// The short-option minimum itself (absent when the policy has none).
        public var shortOptionMinimum: Double?
        /// Net delta per underlying in coins, which the liquidity add-on priced (absent
        /// without one).
        public var netDeltas: [String: Double]?
        /// Net vega per underlying, USD per vol point, which the add-on's vega part
        /// priced (absent without `vega_adv`).
        public var netVegas: [String: Double]? = nil

        enum CodingKeys: String, CodingKey {
            case base
            case stressUplift = "stress_uplift"
            case shortOptionUplift = "short_option_uplift"
            case liquidityAddOn = "liquidity_add_on"
            case apcBuffer = "apc_buffer"
            case apcFloorUplift = "apc_floor_uplift"
            case apcFloorMargin = "apc_floor_margin"
            case shortOptionMinimum = "short_option_minimum"
            case netDeltas = "net_deltas"
            case netVegas = "net_vegas"
        }
    }

    /// One account's stress figures: each scenario's weighted loss by name, the ES
    /// under the dependence stress, the worst.
    public struct AccountStress: Codable, Sendable, Equatable {
        /// ES at the dependence stress's confidence under the base correlation and with
        /// the spot factors' correlation set to zero and to one (same random numbers).
        public struct Dependence: Codable, Sendable, Equatable {
            public var confidence: Double
            public var baseES: Double
            public var zeroCorrelationES: Double
            public var perfectCorrelationES: Double

            enum CodingKeys: String, CodingKey {
                case confidence
                case baseES = "base_es"
                case zeroCorrelationES = "zero_correlation_es"
                case perfectCorrelationES = "perfect_correlation_es"
            }
        }

        public var losses: [String: Double]
        public var dependence: Dependence?
        public var worst: String
        public var worstLoss: Double
        /// max(0, worst loss) x stress_weight: what the margin combines with the base.
        public var component: Double

        enum CodingKeys: String, CodingKey {
            case losses, worst, component, dependence
            case worstLoss = "worst_loss"
        }
    }

    /// A stress scenario as the result states it: relative spot moves and vol changes.
    public struct StressScenarioEntry: Codable, Sendable, Equatable {
        public var name: String
        public var kind: String
        public var weight: Double
        /// S' / S - 1 per coin that moves.
        public var spotMoves: [String: Double]
        /// The relative vol change at 30 days to expiry per underlying that moves.
        public var volChanges: [String: Double]
        /// p in (30 / d)^p, when a vol change depends on the expiry.
        public var volDTEPower: Double?

        enum CodingKeys: String, CodingKey {
            case name, kind, weight
            case spotMoves = "spot_moves"
            case volChanges = "vol_changes"
            case volDTEPower = "vol_dte_power"
        }
    }

    /// An account against the earlier result (`previous_result`).
    public struct Change: Codable, Sendable, Equatable {
        /// The earlier IM and status; absent when the account was not in that result.
        public var initialMargin: Double?
        public var status: String?
        /// IM now less IM then (IM now for an account new since).
        public var imChange: Double
        /// Not ok now, and ok (or absent) then.
        public var newMarginCall: Bool

        enum CodingKeys: String, CodingKey {
            case status
            case initialMargin = "initial_margin"
            case imChange = "im_change"
            case newMarginCall = "new_margin_call"
        }

        init(now initialMargin: Double, status: String, then previous: PreviousResult.Account?) {
            self.initialMargin = previous?.initialMargin
            self.status = previous?.status
            self.imChange = initialMargin - (previous?.initialMargin ?? 0)
            self.newMarginCall = status != MarginPolicy.Status.ok.rawValue && (previous?.status ?? "ok") == "ok"
        }
    }

    /// Which earlier result the changes are against.
    public struct PreviousRun: Codable, Sendable, Equatable {
        public var job: String
        public var inputSHA256: String

        enum CodingKeys: String, CodingKey {
            case job
            case inputSHA256 = "input_sha256"
        }
    }

    public struct AccountEntry: Codable, Sendable, Equatable {
        public var id: String
        /// What the account's equity, losses and margins are in: USD, or a coin
        /// (`margin_currency: BTC`, a coin-margined account).
        public var marginCurrency: String
        public var equity: Double
        public var `var`: [String: Double]
        public var es: [String: Double]
        public var esStandardError: [String: Double]
        /// 95% order-statistic interval of the VaR: [lower, upper].
        public var varInterval95: [String: [Double]]
        /// The scenario whose loss is the VaR, for replay.
        public var varScenario: [String: UInt64]
        public var initialMargin: Double
        public var maintenanceMargin: Double
        public var excessMargin: Double
        public var status: String
        /// Absent when losses exceed the range of the exact moment sums (see README).
        public var meanLoss: Double?
        public var lossStandardDeviation: Double?
        public var histogram: Histogram
        public var marginComponents: MarginComponents
        /// Present when the job has stress scenarios.
        public var stress: AccountStress?
        /// Present when the job names a previous result.
        public var previous: Change?

        enum CodingKeys: String, CodingKey {
            case id, equity, `var`, es, status, histogram, stress, previous
            case marginComponents = "margin_components"
            case marginCurrency = "margin_currency"
            case esStandardError = "es_standard_error"
            case varInterval95 = "var_interval_95"
            case varScenario = "var_scenario"
            case initialMargin = "initial_margin"
            case maintenanceMargin = "maintenance_margin"
            case excessMargin = "excess_margin"
            case meanLoss = "mean_loss"
            case lossStandardDeviation = "loss_standard_deviation"
        }
    }

    /// What the cluster's audit by recomputation checked (absent for runs in one process).
    public struct Audit: Codable, Sendable, Equatable {
        public var chunksChecked: Int
        public var mismatches: Int
        public var quarantinedWorkers: [String]

        public init(chunksChecked: Int, mismatches: Int, quarantinedWorkers: [String]) {
            self.chunksChecked = chunksChecked
            self.mismatches = mismatches
            self.quarantinedWorkers = quarantinedWorkers
        }

        enum CodingKeys: String, CodingKey {
            case mismatches
            case chunksChecked = "chunks_checked"
            case quarantinedWorkers = "quarantined_workers"
        }
    }

    public var job: String
    public var inputSHA256: String
    public var engineVersion: String
    public var seed: UInt64
    public var scenarios: Int
    public var horizonDays: Double
    public var confidence: [Double]
    public var chunkSize: Int
    public var model: String
    /// Steps of each scenario path (`paths.steps`; 1 is one step over the horizon).
    public var pathSteps: Int
    public var marginMeasure: String
    /// `portfolio` or `haircut`: how coin collateral entered the scenarios.
    public var marginCollateral: String
    /// `max` or `blend`: how the base and the stress component made IM.
    public var marginCombine: String
    public var stressWeight: Double
    /// x of the blend, when combine is blend.
    public var baseWeight: Double?
    /// The job's stress scenarios (empty without).
    public var stressScenarios: [StressScenarioEntry]
    /// The anti-procyclicality tool and its settings (absent without): `buffer`, its rate,
    /// and whether it is released.
    public var apc: APC?

    /// The anti-procyclicality tool: `buffer` with its rate and whether it is released,
    /// or `stressed_weight` with its weight and period (`calibration.stressed` has the vols
    /// with and without it).
    public struct APC: Codable, Sendable, Equatable {
        public var method: String
        public var rate: Double?
        public var released: Bool?
        public var weight: Double?
        public var stressedPeriod: [String]?
        /// The lookback floor's returns: how many, and the first and last day.
        public var lookbackDays: Int?
        public var lookbackWindow: [String]?

        enum CodingKeys: String, CodingKey {
            case method, rate, released, weight
            case stressedPeriod = "stressed_period"
            case lookbackDays = "lookback_days"
            case lookbackWindow = "lookback_window"
        }
    }

    /// The earlier result the accounts' `previous` compare against.
    public var previousResult: PreviousRun?
    public var factors: [String]
    public var correlationRepairDistance: Double?
    /// The calibration from price history, when the job has one.
    public var calibration: CalibrationReport?
    public var elapsedSeconds: Double
    /// Which build and machine wrote the result, to tell two results apart.
    public var computedBy: Provenance
    public var accounts: [AccountEntry]
    public var audit: Audit?

    /// The engine version, the OpenBLAS build and the kernel it chose, and the host of the
    /// process that merged the result (on a cluster, the coordinator: its workers must use
    /// the same OpenBLAS kernel, `OPENBLAS_CORETYPE`, for bit-identical results). On a
    /// cluster, `workers` says the same of every machine whose chunks were merged, with
    /// their chunk counts.
    public struct Provenance: Codable, Sendable, Hashable {
        public var engineVersion: String
        public var openblasConfig: String
        public var openblasCore: String
        public var host: String
        public var workers: [WorkerShare]?

        public init(engineVersion: String, openblasConfig: String, openblasCore: String, host: String, workers: [WorkerShare]? = nil) {
            self.engineVersion = engineVersion
            self.openblasConfig = openblasConfig
            self.openblasCore = openblasCore
            self.host = host
            self.workers = workers
        }

        enum CodingKeys: String, CodingKey {
            case host, workers
            case engineVersion = "engine_version"
            case openblasConfig = "openblas_config"
            case openblasCore = "openblas_core"
        }

        public static var current: Provenance {
            Provenance(engineVersion: EngineVersion.current, openblasConfig: BLAS.buildConfiguration.trimmingCharacters(in: .whitespaces),
                       openblasCore: BLAS.coreName.trimmingCharacters(in: .whitespaces), host: ProcessInfo.processInfo.hostName)
        }
    }

    /// A machine of the cluster and the chunks of this result it computed (chunks merged
    /// from the journal after a coordinator restart are counted in neither).
    public struct WorkerShare: Codable, Sendable, Hashable {
        public var host: String
        public var engineVersion: String
        public var openblasCore: String
        public var openblasConfig: String
        public var chunks: Int

        public init(host: String, engineVersion: String, openblasCore: String, openblasConfig: String, chunks: Int) {
            self.host = host
            self.engineVersion = engineVersion
            self.openblasCore = openblasCore
            self.openblasConfig = openblasConfig
            self.chunks = chunks
        }

        enum CodingKeys: String, CodingKey {
            case host, chunks
            case engineVersion = "engine_version"
            case openblasCore = "openblas_core"
            case openblasConfig = "openblas_config"
        }
    }

    enum CodingKeys: String, CodingKey {
        case job, seed, scenarios, confidence, model, factors, accounts, audit, calibration
        case computedBy = "computed_by"
        case inputSHA256 = "input_sha256"
        case engineVersion = "engine_version"
        case horizonDays = "horizon_days"
        case pathSteps = "path_steps"
        case chunkSize = "chunk_size"
        case marginMeasure = "margin_measure"
        case marginCollateral = "margin_collateral"
        case marginCombine = "margin_combine"
        case stressWeight = "stress_weight"
        case baseWeight = "base_weight"
        case stressScenarios = "stress_scenarios"
        case previousResult = "previous_result"
        case apc
        case correlationRepairDistance = "correlation_repair_distance"
        case elapsedSeconds = "elapsed_seconds"
    }

    /// The confidence levels as written in the job, in the job's order (the keys of `var`).
    public var confidenceLabels: [String] {
        let keys = accounts.first.map { Array($0.var.keys) } ?? []
        return confidence.map { level in keys.first { Double($0) == level } ?? "\(level)" }
    }

    public init(job loaded: LoadedJob, result: EngineResult, elapsedSeconds: Double) {
        let job = loaded.engineJob
        let labels = loaded.confidenceLabels
        func keyed<T>(_ values: [T]) -> [String: T] {
            Dictionary(uniqueKeysWithValues: zip(labels, values))
        }
        self.job = job.name
        self.inputSHA256 = loaded.inputSHA256
        self.engineVersion = EngineVersion.current
        self.computedBy = .current
        self.seed = job.seed
        self.scenarios = job.scenarios
        self.horizonDays = job.horizonDays
        self.confidence = job.confidences
        self.chunkSize = job.chunkSize
        self.model = job.model.label
        self.pathSteps = job.steps
        self.marginMeasure = job.margin.measure.rawValue
        self.marginCollateral = job.margin.collateral.rawValue
        self.marginCombine = job.margin.combine.rawValue
        self.stressWeight = job.margin.stressWeight
        self.baseWeight = job.margin.combine == .blend ? job.margin.baseWeight : nil
        let scenarios = result.stressScenarios
        self.stressScenarios = scenarios.map { scenario in
            let powers = Set(scenario.volMoves.values.map(\.dtePower)).filter { $0 != 0 }
            return StressScenarioEntry(name: scenario.name, kind: scenario.kind.rawValue, weight: scenario.weight,
                                       spotMoves: scenario.spotMoves, volChanges: scenario.volMoves.mapValues(\.change),
                                       volDTEPower: powers.first)
        }
        let stressWeight = job.margin.stressWeight
        let previous = loaded.previous
        self.apc = job.margin.antiProcyclicality.map { APC(method: "buffer", rate: $0.rate, released: $0.released) }
            ?? loaded.calibration?.stressed.map { APC(method: "stressed_weight", weight: $0.weight, stressedPeriod: $0.period) }
            ?? loaded.calibration?.lookbackFloor.map {
                APC(method: "lookback_floor", lookbackDays: job.lookbackFloor?.lookbackDays, lookbackWindow: $0.window)
            }
        self.previousResult = previous.map { PreviousRun(job: $0.job, inputSHA256: $0.inputSHA256) }
        self.factors = result.factors
        self.correlationRepairDistance = job.correlation?.repairDistance
        self.calibration = loaded.calibration
        self.elapsedSeconds = elapsedSeconds
        self.accounts = result.accounts.map { risk in
            AccountEntry(
                id: risk.id,
                marginCurrency: risk.currency,
                equity: risk.equity,
                var: keyed(risk.estimates.map(\.valueAtRisk)),
                es: keyed(risk.estimates.map(\.expectedShortfall)),
                esStandardError: keyed(risk.estimates.map(\.expectedShortfallStandardError)),
                varInterval95: keyed(risk.estimates.map { [$0.valueAtRiskInterval95.lowerBound, $0.valueAtRiskInterval95.upperBound] }),
                varScenario: keyed(risk.estimates.map(\.valueAtRiskScenario)),
                initialMargin: risk.margin.initialMargin,
                maintenanceMargin: risk.margin.maintenanceMargin,
                excessMargin: risk.margin.excessMargin,
                status: risk.margin.status.rawValue,
                meanLoss: risk.meanLoss,
                lossStandardDeviation: risk.lossStandardDeviation,
                histogram: Histogram(lower: risk.histogram.layout.lower, upper: risk.histogram.layout.upper,
                                     counts: risk.histogram.counts, underflow: risk.histogram.underflow,
                                     overflow: risk.histogram.overflow),
                marginComponents: MarginComponents(base: risk.margin.components.base,
                                                   stressUplift: risk.margin.components.stressUplift,
                                                   shortOptionUplift: risk.margin.components.shortOptionUplift,
                                                   liquidityAddOn: risk.margin.components.liquidityAddOn,
                                                   apcBuffer: risk.margin.components.antiProcyclicalityBuffer,
                                                   apcFloorUplift: risk.margin.components.lookbackFloorMargin
                                                       .map { _ in risk.margin.components.lookbackFloorUplift },
                                                   apcFloorMargin: risk.margin.components.lookbackFloorMargin,
                                                   shortOptionMinimum: risk.shortOptionMinimum, netDeltas: risk.netDeltas,
                                                   netVegas: risk.netVegas),
                stress: risk.stress.map { stress in
                    AccountStress(
                        losses: Dictionary(zip(scenarios.map(\.name), stress.scenarioLosses), uniquingKeysWith: { Swift.max($0, $1) }),
                        dependence: stress.dependence.map { dependence in
                            AccountStress.Dependence(
                                confidence: dependence.confidence, baseES: dependence.baseExpectedShortfall,
                                zeroCorrelationES: dependence.stressedExpectedShortfall[DependenceStress.Variant.independent.rawValue],
                                perfectCorrelationES: dependence.stressedExpectedShortfall[DependenceStress.Variant.comonotonic.rawValue])
                        },
                        worst: stress.worst, worstLoss: stress.worstLoss, component: stressWeight * stress.component)
                },
                previous: previous.map { Change(now: risk.margin.initialMargin, status: risk.margin.status.rawValue,
                                                then: $0.accounts[risk.id]) })
        }
    }
}
