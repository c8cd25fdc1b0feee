import TailGridNumerics

/// Correlated factor draws for one tile of scenarios: a pure function of (seed, index).
///
/// A scenario is a path of `steps` steps, each drawing every factor. Independent standard
/// normals come from Philox4x32-10 keyed by the seed, counter (scenario, draw = d / 2,
/// stream 0) with d = step x factors + factor, by inversion (AS 241): one block gives the
/// normals of two consecutive d, so a one-step path reads exactly what it always read.
/// They are correlated as one BLAS dgemm for all steps, X = B Z with B B^T = C, laid out
/// factors x (steps x tile) (factor f, step k, scenario c at f (steps W) + k W + c, the
/// layout the per-factor loops read contiguously). For the Student-t model each step of
/// a scenario is scaled by its own mixing variable and each draw capped at +-`drawCap`
/// (see `ScenarioModel.studentT`). Under filtered historical simulation the draws are a
/// historical block's moves instead (`HistoricalBlockSampler`).
public struct ScenarioGenerator: Sendable {
    public let generator: Philox4x32
    public let factorCount: Int
    public let steps: Int
    /// B, factors x factors, row-major.
    public let correlationFactor: [Double]
    public let mixing: StudentTMixing?
    /// The largest magnitude a Student-t draw may take; infinity for the Gaussian.
    public let drawCap: Double
    public let historical: HistoricalBlockSampler?

    public init(seed: UInt64, correlationFactor: DenseMatrix, model: ScenarioModel, steps: Int = 1,
                historical: HistoricalBlockSampler? = nil) {
        self.generator = Philox4x32(seed: seed)
        self.factorCount = correlationFactor.rows
        self.steps = steps
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

    /// Fills `draws` (factors x steps x tile size) for the tile starting at `tileStart`,
    /// using `independent` (same shape) as scratch.
    public func generate(tileStart: UInt64, draws: UnsafeMutablePointer<Double>, independent: UnsafeMutablePointer<Double>) {
        RowScratch.withTemporary { generate(tileStart: tileStart, draws: draws, independent: independent, scratch: $0) }
    }

    /// `generate(tileStart:draws:independent:)` with the row kernels in `scratch`'s rows.
    public func generate(tileStart: UInt64, draws: UnsafeMutablePointer<Double>, independent: UnsafeMutablePointer<Double>,
                         scratch: RowScratch) {
        let width = ScenarioTile.size
        if let historical {
            historical.fill(generator: generator, tileStart: tileStart, draws: draws, width: width, steps: steps)
            return
        }
        let factors = factorCount
        let row = steps * width
        let count = steps * factors
        // Eight scenarios per Philox call (`Philox4x32.blocks`): a tile starts at a multiple
        // of 256, so its scenarios share the counter's high word.
        let high = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: tileStart >> 32))
        let stream = SIMD8<UInt32>(repeating: 0)
        let lanes = SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7)
        var d = 0
        while d < count {
            let draw = SIMD8<UInt32>(repeating: UInt32(d / 2))
            let first = (d % factors) * row + (d / factors) * width
            let second = d + 1 < count ? ((d + 1) % factors) * row + ((d + 1) / factors) * width : nil
            for group in stride(from: 0, to: width, by: 8) {
                let low = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: tileStart + UInt64(group))) &+ lanes
                let (w0, w1, w2, w3) = generator.blocks(low, high, draw, stream)
                UnsafeMutableRawPointer(independent + first + group)
                    .storeBytes(of: Philox4x32.openUniforms(high: w0, low: w1), as: SIMD8<Double>.self)
                if let second {
                    UnsafeMutableRawPointer(independent + second + group)
                        .storeBytes(of: Philox4x32.openUniforms(high: w2, low: w3), as: SIMD8<Double>.self)
                }
            }
            d += 2
        }
        // The uniforms become normals in one vectorised pass over the whole buffer.
        NormalDistribution.quantiles(independent, count: factors * row, scratch: scratch)
        correlationFactor.withUnsafeBufferPointer { b in
            BLAS.multiply(b.baseAddress!, UnsafePointer(independent), into: draws, m: factors, n: row, k: factors)
        }
        if let mixing {
            // A tile's scales fit the scratch's row (both 256): a constant check.
            precondition(width <= RowScratch.rowSize)
            let scales = scratch.mixingScales
            for step in 0..<steps {
                mixing.scales(generator: generator, firstScenario: tileStart, count: width, step: step, into: scales,
                              scratch: scratch)
                // Factor by factor, a contiguous row of the step's draws at a time.
                for factor in 0..<factors {
                    let drawRow = draws + factor * row + step * width
                    for column in 0..<width {
                        let draw = drawRow[column] * scales[column]
                        drawRow[column] = Swift.min(Swift.max(draw, -drawCap), drawCap)
                    }
                }
            }
        }
    }
}
