/// One smile, sigma(k) over log-moneyness k = ln(K / F), in a branch-free form.
///
/// `VolSurface` interpolates linearly in vol between nodes and is flat beyond them; the
/// same function is sigma(k) = v_0 + sum_j s_j (clamp(k, x_j, x_{j+1}) - x_j) with slopes
/// s_j = (v_{j+1} - v_j) / (x_{j+1} - x_j): each segment adds its share with a min and a
/// max and no search, so a row of scenarios is interpolated segment by segment in loops
/// that vectorise. A flat smile has no segments.
public struct SmileInterpolant: Sendable, Hashable {
    /// sigma at and below the first node.
    public let base: Double
    public let nodes: [Double]
    /// s_j for the segment [x_j, x_{j+1}].
    public let slopes: [Double]

    /// A flat smile at `vol`.
    public init(flat vol: Double) {
        base = vol
        nodes = []
        slopes = []
    }

    /// The smile through `vols` at log-moneyness `nodes` (strictly increasing, as
    /// `VolSurface` checks).
    public init(nodes: [Double], vols: [Double]) {
        base = vols[0]
        self.nodes = nodes
        var slopes: [Double] = []
        for j in 0..<Swift.max(nodes.count - 1, 0) {
            let rise: Double = vols[j + 1] - vols[j]
            let run: Double = nodes[j + 1] - nodes[j]
            slopes.append(rise / run)
        }
        self.slopes = slopes
    }

    /// sigma(k) for one k, the same bits as `vols(atLogMoneyness:into:count:)`.
    @inlinable
    public func vol(atLogMoneyness k: Double) -> Double {
        var sigma = base
        for j in slopes.indices {
            sigma += slopes[j] * (Swift.min(Swift.max(k, nodes[j]), nodes[j + 1]) - nodes[j])
        }
        return sigma
    }

    /// out[c] = sigma(k[c]) for `count` values.
    @inlinable
    public func vols(atLogMoneyness k: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count: Int) {
        out.update(repeating: base, count: count)
        for j in slopes.indices {
            let lower = nodes[j]
            let upper = nodes[j + 1]
            let slope = slopes[j]
            for c in 0..<count {
                out[c] += slope * (Swift.min(Swift.max(k[c], lower), upper) - lower)
            }
        }
    }
}
