/// How a job's scenario range is split into chunks: from the job alone (scenario count
/// and chunk size), never from the number of threads or workers.
public struct ChunkPlan: Sendable, Hashable {
    public let scenarios: Int
    public let chunkSize: Int

    public static let defaultChunkSize = 8192

    public init(scenarios: Int, chunkSize: Int) {
        precondition(scenarios > 0 && chunkSize > 0)
        self.scenarios = scenarios
        self.chunkSize = chunkSize
    }

    public var chunkCount: Int { (scenarios + chunkSize - 1) / chunkSize }

    /// The scenario range [first, end) if it is a non-empty part of this job's scenarios;
    /// for ranges from the wire, which must not reach `Range`'s precondition.
    public func checkedRange(first: UInt64, end: UInt64) throws(EngineError) -> Range<UInt64> {
        guard first < end, end <= UInt64(scenarios) else {
            throw EngineError(.inconsistentSummary, "scenarios \(first) to \(end) are not a range of this job's \(scenarios) scenarios")
        }
        return first..<end
    }

    /// Scenario indices of chunk `index`.
    public func range(ofChunk index: Int) -> Range<UInt64> {
        precondition(index >= 0 && index < chunkCount)
        let start = UInt64(index * chunkSize)
        return start..<UInt64(Swift.min(scenarios, (index + 1) * chunkSize))
    }
}
