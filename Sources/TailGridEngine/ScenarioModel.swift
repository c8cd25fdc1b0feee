/// The joint distribution of the factor draws.
public enum ScenarioModel: Sendable, Hashable {
    /// Correlated standard normals.
    case gaussian
    /// Multivariate Student-t with unit variance: normals scaled by one shared mixing
    /// variable per scenario (see `StudentTMixing`).
    case studentT(degreesOfFreedom: Double)
}
