import TailGridCalibration
import TailGridNumerics

/// The joint distribution of the factor draws.
public enum ScenarioModel: Sendable, Hashable {
    /// Correlated standard normals.
    case gaussian
    /// Multivariate Student-t with unit variance: normals scaled by one shared mixing
    /// variable per scenario (see `StudentTMixing`), each factor draw then capped at
    /// +-`StudentTMixing.drawCap(degreesOfFreedom:tailCap:)`, its two-sided `tailCap`
    /// quantile. A t on log-returns gives the price an infinite mean (E[exp(c T)] diverges
    /// for every c > 0); the cap makes every price move bounded, so ES and its standard
    /// error exist, while the tails below the cap keep their power law.
    case studentT(degreesOfFreedom: Double, tailCap: Double = StudentTMixing.defaultTailCap)
    /// Filtered historical simulation: each scenario replays one historical block of
    /// `FilteredHistory`, drawn uniformly by the counter-based generator (stream 2), for
    /// every coin together; no correlation matrix is used.
    case filteredHistorical(FilteredHistory)

    /// The name results report, e.g. `student_t(dof=5, tail_cap=1e-06)`.
    public var label: String {
        switch self {
        case .gaussian: "gaussian"
        case .studentT(let dof, let cap): "student_t(dof=\(dof), tail_cap=\(cap))"
        case .filteredHistorical(let history):
            "fhs(lookback_days=\(history.lookbackDays), lambda=\(history.lambda), blocks=\(history.blockCount))"
        }
    }
}
