import TailGridNumerics

/// OCC STANS's dependence stress (`stress.dependence`): each account's ES at
/// `confidence` computed again under zero and under perfect correlation of the spot
/// factors, with the same random numbers (common random numbers: scenario s draws the
/// same independent normals Z under every correlation, only X = B Z changes), so the
/// difference from the base ES is the dependence, not Monte Carlo noise.
///
/// The stressed correlation keeps the non-spot factors' correlations among themselves
/// and makes them independent of the spot factors, so that it is a correlation matrix
/// whatever the base one was: blockdiag(I or J over the spots, the non-spot block).
/// Perfect correlation (J, all ones) is positive semi-definite and singular; the
/// pivoted Cholesky factorisation handles it. A chunk computes each account's losses
/// under the base and both stressed correlations side by side (`EnginePlan.lossRows`),
/// so the cluster, the merge and the checks treat them like more accounts.
public struct DependenceStress: Sendable, Hashable {
    public enum Variant: Int, Sendable, Hashable, CaseIterable {
        case independent
        case comonotonic

        /// How the result names it.
        public var name: String {
            switch self {
            case .independent: "dependence: zero spot correlation"
            case .comonotonic: "dependence: perfect spot correlation"
            }
        }
    }

    public let confidence: Double

    public init(confidence: Double) {
        self.confidence = confidence
    }

    /// The stressed correlation of `variant` for the factors `factors`, whose base
    /// correlation is `full`.
    public static func correlation(_ variant: Variant, base full: CorrelationMatrix,
                                   factors: [RiskFactor]) throws(NumericsError) -> CorrelationMatrix {
        let n = factors.count
        var stressed = DenseMatrix.identity(n)
        for i in 0..<n {
            for j in 0..<n where i != j {
                let spots = (factors[i].kind == .spot, factors[j].kind == .spot)
                switch spots {
                case (true, true): stressed[i, j] = variant == .independent ? 0 : 1
                case (false, false): stressed[i, j] = full.matrix[i, j]
                default: stressed[i, j] = 0
                }
            }
        }
        return try CorrelationMatrix(validating: stressed)
    }
}
