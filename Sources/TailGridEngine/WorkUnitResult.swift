/// What a unit of work gives (`WorkUnits.Unit`): a chunk's summary, a stress batch or a
/// replay of tail scenarios. Each is a pure function of the plan, the unit and what the
/// assignment carried (floors, bars), so any machine's computation of a unit must equal
/// any other's bit for bit (audits compare them).
public enum WorkUnitResult: Sendable, Hashable {
    case scenarios(ChunkSummary)
    case stress(StressBatch)
    case replay(TailReplay)
}

extension EnginePlan {
    /// Computes `unit` of this plan; `floors` apply to scenario chunks (admission floors
    /// per loss row, as `ChunkComputer.summarize` takes them), `bars` to a replay, which
    /// needs them.
    public func compute(_ unit: WorkUnits.Unit, floors: [Double]?, bars: ReplayBars? = nil) throws(EngineError) -> WorkUnitResult {
        switch unit {
        case .scenarios(let range): return .scenarios(ChunkComputer(plan: self).summarize(range, floors: floors))
        case .stress(let range): return .stress(job.stress.batch(range, plan: self))
        case .replay(let range):
            guard let bars else { throw EngineError(.inconsistentSummary, "a replay needs the tails' bars") }
            return .replay(try TailAttribution(plan: self).replay(range, bars: bars))
        }
    }
}
