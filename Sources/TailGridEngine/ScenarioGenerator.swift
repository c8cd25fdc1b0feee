import TailGridNumerics

/// Correlated factor draws for one tile of scenarios: a pure function of (seed, index).
///
/// Independent standard normals come from Philox4x32-10 keyed by the seed, counter
/// (scenario, draw = factor / 2, stream 0), by inversion (AS 241): one block gives the
/// normals of two factors. They are correlated as one BLAS dgemm, X = B Z with B B^T = C,
/// factors x scenarios (the layout the per-factor loops read contiguously), and for the
/// Student-t model each scenario's column is scaled by its shared mixing variable and
/// each draw capped at +-`drawCap` (see `ScenarioModel.studentT`). Under filtered
/// historical simulation the draws are a historical block's moves instead
/// (`HistoricalBlockSampler`).
public struct ScenarioGenerator: Sendable {
    public let generator: Philox4x32
    public let factorCount: Int
    /// B, factors x factors, row-major.
    public let correlationFactor: [Double]
    public let mixing: StudentTMixing?
    /// The largest magnitude a Student-t draw may take; infinity for the Gaussian.
    public let drawCap: Double
    public let historical: HistoricalBlockSampler?

    public init(seed: UInt64, correlationFactor: DenseMatrix, model: ScenarioModel,
                historical: HistoricalBlockSampler? = nil) {
        self.generator = Philox4x32(seed: seed)
        self.factorCount = correlationFactor.rows
        self.correlationFactor = correlationFactor.storage
        self.historical = historical
        switch model {
        case .gaussian, .filteredHistorical:
            self.mixing = nil
            self.drawCap = .infinity
        case .studentT(let dof, let tailCap):
            self.mixing = StudentTMixing(degreesOfFreedom: dof)
            self.drawCap = StudentTMixing.drawCap(degreesOfFreedom: dof, tailCap: tailCap)
        }
    }

    /// Fills `draws` (factors x tile size) for the tile starting at `tileStart`, using
    /// `independent` (same shape) as scratch.
    public func generate(tileStart: UInt64, draws: UnsafeMutablePointer<Double>, independent: UnsafeMutablePointer<Double>) {
        let width = ScenarioTile.size
        if let historical {
            historical.fill(generator: generator, tileStart: tileStart, draws: draws, width: width)
            return
        }
        let factors = factorCount
        for column in 0..<width {
            let scenario = tileStart + UInt64(column)
            var factor = 0
            while factor < factors {
                let (u1, u2) = generator.uniformPair(
                    Philox4x32.counter(scenario: scenario, draw: UInt32(factor / 2), stream: 0))
                independent[factor * width + column] = NormalDistribution.quantile(u1)
                if factor + 1 < factors {
                    independent[(factor + 1) * width + column] = NormalDistribution.quantile(u2)
                }
                factor += 2
            }
        }
        correlationFactor.withUnsafeBufferPointer { b in
            BLAS.multiply(b.baseAddress!, UnsafePointer(independent), into: draws, m: factors, n: width, k: factors)
        }
        if let mixing {
            for column in 0..<width {
                let scale = mixing.scale(generator: generator, scenario: tileStart + UInt64(column))
                for factor in 0..<factors {
                    let draw = draws[factor * width + column] * scale
                    draws[factor * width + column] = Swift.min(Swift.max(draw, -drawCap), drawCap)
                }
            }
        }
    }
}
