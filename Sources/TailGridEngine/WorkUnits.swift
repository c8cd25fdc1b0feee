/// A job's units of distributable work: its scenario chunks (units 0..<chunkCount, the
/// chunk of the same index) followed by its stress batches (one tile of the job's stress
/// scenarios each, in the order the job lists them). Like the chunks, the units follow
/// from the job alone, so a coordinator, its workers and a resumed coordinator agree on
/// them; each is a pure function of the plan and its index.
public struct WorkUnits: Sendable, Hashable {
    /// What one unit computes.
    public enum Unit: Sendable, Hashable {
        /// A chunk's scenario indices: summarised per loss row (`ChunkSummary`).
        case scenarios(Range<UInt64>)
        /// Indices into the job's stress scenarios: every account's loss in each (`StressBatch`).
        case stress(Range<Int>)
    }

    public let chunks: ChunkPlan
    public let stressScenarios: Int

    /// Stress scenarios per batch: one tile, the width the evaluator revalues at once.
    public static let stressBatchSize = ScenarioTile.size

    public init(chunks: ChunkPlan, stressScenarios: Int) {
        self.chunks = chunks
        self.stressScenarios = Swift.max(0, stressScenarios)
    }

    public var stressBatches: Int { (stressScenarios + Self.stressBatchSize - 1) / Self.stressBatchSize }
    public var count: Int { chunks.chunkCount + stressBatches }

    /// Whether `index` is a stress batch (indices past the scenario chunks).
    public func isStress(_ index: Int) -> Bool { index >= chunks.chunkCount }

    /// The unit of `index`, which must be below `count`.
    public func unit(_ index: Int) -> Unit {
        precondition(index >= 0 && index < count)
        guard isStress(index) else { return .scenarios(chunks.range(ofChunk: index)) }
        let start = (index - chunks.chunkCount) * Self.stressBatchSize
        return .stress(start..<Swift.min(stressScenarios, start + Self.stressBatchSize))
    }

    /// The unit as log lines and errors name it.
    public func describe(_ index: Int) -> String {
        guard index >= 0 && index < count else { return "unit \(index)" }
        switch unit(index) {
        case .scenarios(let range): return "chunk \(index) (scenarios \(range.lowerBound)..<\(range.upperBound))"
        case .stress(let range): return "stress batch \(index - chunks.chunkCount) (stress scenarios \(range.lowerBound)..<\(range.upperBound))"
        }
    }

    /// The stress range [first, end) if it is one of this job's stress batches; for
    /// ranges from the wire, which must not reach `Range`'s precondition.
    public func checkedStressRange(first: UInt64, end: UInt64) throws(EngineError) -> Range<Int> {
        let size = UInt64(Self.stressBatchSize)
        guard first < end, end <= UInt64(stressScenarios), first % size == 0,
              end == Swift.min(UInt64(stressScenarios), first + size) else {
            throw EngineError(.inconsistentSummary, "stress scenarios \(first) to \(end) are not a batch of this job's \(stressScenarios) stress scenarios")
        }
        return Int(first)..<Int(end)
    }
}

extension EnginePlan {
    /// The plan's scenario chunks and stress batches.
    public var units: WorkUnits {
        WorkUnits(chunks: chunks, stressScenarios: job.stress.scenarios.count)
    }
}
