import Testing
import TailGridEngine
import TailGridNumerics

/// Replays of scenario ranges (`TailAttribution.replay`): what each chunk's replay must
/// find comes from one pass over the tails and equals the range's own reading; a replay
/// that finds one entry more, a loss sum off by 2^-90, or other worst moves is
/// refused; and replays of the chunks add up, in any order, to the replay of the whole.
@Suite struct TailReplayTests {
    static func setUp() throws -> (TailAttribution, ReplayBars, [[TailLoss]]) {
        let plan = try StressBatchTests.plan()
        let tails = try LocalRunner(plan: plan, threads: 1).tails()
        let attribution = TailAttribution(plan: plan)
        return (attribution, try attribution.bars(accounts: [2, 0, 1], tails: tails), tails)
    }

    @Test func eachChunksExpectationIsItsRangesReading() throws {
        let (attribution, bars, tails) = try Self.setUp()
        let chunks = attribution.plan.chunks
        let expectations = ReplayExpectation.perChunk(chunks, bars: bars, tails: tails)
        #expect(expectations.count == chunks.chunkCount && chunks.chunkCount == 5)
        for (index, expectation) in expectations.enumerated() {
            #expect(expectation == ReplayExpectation.of(chunks.range(ofChunk: index), bars: bars, tails: tails))
        }
        // Every tail entry is in exactly one chunk.
        for slot in 0..<3 { #expect(expectations.reduce(0) { $0 + $1.counts[slot] } == bars.tailCount) }
        #expect(bars.tailCount == 50 && bars.accounts == [2, 0, 1])
    }

    @Test func tamperedReplaysAreRefused() throws {
        let (attribution, bars, tails) = try Self.setUp()
        let range = attribution.plan.chunks.range(ofChunk: 1)
        let honest = try attribution.replay(range, bars: bars)
        try attribution.check(honest, range: range, bars: bars, tails: tails)
        var tampered: [TailReplay] = []
        var more = honest
        more.counts[0] += 1
        tampered.append(more)
        var off = honest
        off.lossSums[1].add(0x1p-90)
        tampered.append(off)
        var moved = honest
        moved.worstMoves[2][UInt64(range.lowerBound)] = AccountExplanation.Moves(spotReturns: [0, 0], volMultipliers: [1, 1])
        tampered.append(moved)
        var fewer = honest
        fewer.counts.removeLast()
        tampered.append(fewer)
        for replay in tampered {
            #expect(throws: EngineError.self) { try attribution.check(replay, range: range, bars: bars, tails: tails) }
        }
        // The replay of another range is not this one's.
        #expect(throws: EngineError.self) {
            try attribution.check(honest, range: attribution.plan.chunks.range(ofChunk: 2), bars: bars, tails: tails)
        }
    }

    @Test func chunkReplaysAddUpInAnyOrder() throws {
        let (attribution, bars, tails) = try Self.setUp()
        let chunks = attribution.plan.chunks
        let parts = try (0..<chunks.chunkCount).map { index throws(EngineError) in
            try attribution.replay(chunks.range(ofChunk: index), bars: bars)
        }
        var forward = try attribution.emptyReplay(bars: bars), backward = forward
        for part in parts { forward.absorb(part) }
        for part in parts.reversed() { backward.absorb(part) }
        let whole = try attribution.replay(0..<UInt64(attribution.plan.job.scenarios), bars: bars)
        #expect(forward == backward && forward == whole)
        let explanations = try attribution.explanations(forward, bars: bars, tails: tails, stress: nil)
        #expect(explanations == (try attribution.explain(accounts: [2, 0, 1], tails: tails, threads: 2)))
        // Short tails and unknown accounts have no bars.
        #expect(throws: EngineError.self) { try attribution.bars(accounts: [3], tails: tails) }
        #expect(throws: EngineError.self) { try attribution.bars(accounts: [0], tails: tails.map { Array($0.prefix(10)) }) }
    }
}
