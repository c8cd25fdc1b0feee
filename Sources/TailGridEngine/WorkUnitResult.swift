/// What a unit of work gives (`WorkUnits.Unit`): a chunk's summary or a stress batch.
/// Either is a pure function of the plan, the unit and the floors, so any machine's
/// computation of a unit must equal any other's bit for bit (audits compare them).
public enum WorkUnitResult: Sendable, Hashable {
    case scenarios(ChunkSummary)
    case stress(StressBatch)
}

extension EnginePlan {
    /// Computes `unit` of this plan; `floors` apply to scenario chunks (admission floors
    /// per loss row, as `ChunkComputer.summarize` takes them).
    public func compute(_ unit: WorkUnits.Unit, floors: [Double]?) -> WorkUnitResult {
        switch unit {
        case .scenarios(let range): .scenarios(ChunkComputer(plan: self).summarize(range, floors: floors))
        case .stress(let range): .stress(job.stress.batch(range, plan: self))
        }
    }
}
