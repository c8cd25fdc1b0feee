import TailGridNumerics

extension TailAttribution {
    /// The waterfall's stages: spot (with the stablecoin paths and funding), then each of
    /// implied vol, basis and skew the market has factors for.
    public var stages: [RiskFactor.Kind] {
        let kinds = Set(plan.factors.map(\.kind))
        return [.spot] + [RiskFactor.Kind.impliedVol, .basis, .skew].filter(kinds.contains)
    }

    /// Prices an evaluated tile again at each partial stage of the waterfall: the vol
    /// multipliers held at 1 until the implied-vol stage, the carry and skew shifts at 0
    /// until theirs. Not thread-safe: each replay thread owns one.
    final class FactorStager {
        let stages: [RiskFactor.Kind]
        let evaluator: TileEvaluator
        /// Instruments x tile of 1: the vol multipliers of a stage before implied vol.
        let ones: UnsafeMutableBufferPointer<Double>
        let savedCarry: UnsafeMutableBufferPointer<Double>
        let savedSkew: UnsafeMutableBufferPointer<Double>

        init(attribution: TailAttribution) {
            self.stages = attribution.stages
            self.evaluator = attribution.plan.evaluator
            let width = ScenarioTile.size
            ones = .allocate(capacity: Swift.max(1, evaluator.instruments.count) * width)
            ones.initialize(repeating: 1)
            savedCarry = .allocate(capacity: Swift.max(1, evaluator.prices.count) * width)
            savedCarry.initialize(repeating: 0)
            savedSkew = .allocate(capacity: Swift.max(1, evaluator.prices.count) * width)
            savedSkew.initialize(repeating: 0)
        }

        deinit {
            ones.deallocate()
            savedCarry.deallocate()
            savedSkew.deallocate()
        }

        /// For each partial stage s (all but the last), re-prices the tile in `workspace`
        /// with stages 0...s moved and calls `body(s)`; the workspace's shifts are restored
        /// afterwards (its instrument and account P&L are not).
        func stage(workspace: TileWorkspace, _ body: (Int) -> Void) {
            guard stages.count > 1 else { return }
            let count = evaluator.prices.count * ScenarioTile.size
            _ = savedCarry.update(fromContentsOf: workspace.carryShifts.prefix(count))
            _ = savedSkew.update(fromContentsOf: workspace.skewShifts.prefix(count))
            for stage in 0..<(stages.count - 1) {
                let moved = Set(stages[0...stage])
                if moved.contains(.basis) {
                    _ = workspace.carryShifts.update(fromContentsOf: savedCarry.prefix(count))
                } else {
                    workspace.carryShifts.update(repeating: 0)
                }
                if moved.contains(.skew) {
                    _ = workspace.skewShifts.update(fromContentsOf: savedSkew.prefix(count))
                } else {
                    workspace.skewShifts.update(repeating: 0)
                }
                evaluator.revalue(workspace: workspace,
                                  instrumentVolMultipliers: moved.contains(.impliedVol) ? nil : UnsafePointer(ones.baseAddress!))
                body(stage)
            }
            _ = workspace.carryShifts.update(fromContentsOf: savedCarry.prefix(count))
            _ = workspace.skewShifts.update(fromContentsOf: savedSkew.prefix(count))
        }
    }
}

extension RiskFactor.Kind {
    /// The name an explanation gives the kind's waterfall stage.
    public var explanationName: String {
        switch self {
        case .spot: "spot"
        case .impliedVol: "implied_vol"
        case .basis: "basis"
        case .skew: "skew"
        case .depeg: "depeg"
        }
    }
}
