/// A job's units of distributable work: its scenario chunks (units 0..<chunkCount, the
/// chunk of the same index), then its stress batches (one tile of the job's stress
/// scenarios each, in the order the job lists them), then, when it explains, one replay
/// of each chunk's scenarios (`TailAttribution.replay`), which can only start once the
/// merge is complete. Like the chunks, the units follow
/// from the job alone, so a coordinator, its workers and a resumed coordinator agree on
/// them; each is a pure function of the plan and its index.
public struct WorkUnits: Sendable, Hashable {
    /// What one unit computes.
    public enum Unit: Sendable, Hashable {
        /// A chunk's scenario indices: summarised per loss row (`ChunkSummary`).
        case scenarios(Range<UInt64>)
        /// Indices into the job's stress scenarios: every account's loss in each (`StressBatch`).
        case stress(Range<Int>)
        /// A chunk's scenario indices, replayed to explain the tails (`TailReplay`).
        case replay(Range<UInt64>)
    }

    public let chunks: ChunkPlan
    public let stressScenarios: Int
    /// Whether the job explains: a replay unit per chunk.
    public let replays: Bool

    /// Stress scenarios per batch: one tile, the width the evaluator revalues at once.
    public static let stressBatchSize = ScenarioTile.size

    public init(chunks: ChunkPlan, stressScenarios: Int, replays: Bool = false) {
        self.chunks = chunks
        self.stressScenarios = Swift.max(0, stressScenarios)
        self.replays = replays
    }

    public var stressBatches: Int { (stressScenarios + Self.stressBatchSize - 1) / Self.stressBatchSize }
    /// The first replay unit (`count` without replays).
    public var firstReplay: Int { chunks.chunkCount + stressBatches }
    public var count: Int { firstReplay + (replays ? chunks.chunkCount : 0) }

    /// Whether `index` is a stress batch (past the scenario chunks, before the replays).
    public func isStress(_ index: Int) -> Bool { index >= chunks.chunkCount && index < firstReplay }

    /// Whether `index` is a replay (past the stress batches).
    public func isReplay(_ index: Int) -> Bool { index >= firstReplay }

    /// The unit of `index`, which must be below `count`.
    public func unit(_ index: Int) -> Unit {
        precondition(index >= 0 && index < count)
        if isReplay(index) { return .replay(chunks.range(ofChunk: index - firstReplay)) }
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
        case .replay(let range): return "replay of chunk \(index - firstReplay) (scenarios \(range.lowerBound)..<\(range.upperBound))"
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

    /// The plan's units, with a replay per chunk when `explaining`.
    public func units(explaining: Bool) -> WorkUnits {
        WorkUnits(chunks: chunks, stressScenarios: job.stress.scenarios.count, replays: explaining)
    }
}
