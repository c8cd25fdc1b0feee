import Testing
import TailGridCluster
import TailGridEngine
import TailGridNumerics
import TailGridProtocol

/// Results split into parts by accounts so that no message exceeds the budget: every
/// account once, in order, at least one per part, the last part marked, and the parts'
/// contents together the whole. And assignments, which a worker checks against its job
/// like anything from a peer.
@Suite struct WirePartsTests {
    @Test func stressBatchesSplitByAccounts() {
        let width = 54
        let batch = StressBatch(scenarios: 256..<310, losses: (0..<(20 * width)).map { Double($0) * 0.5 - 7 })
        // 8 x 54 + 16 = 448 bytes an account: two accounts a part of 1,024 bytes.
        let parts = Wire.stressParts(batch, leaseID: 9, budget: 1024)
        #expect(parts.count == 10)
        #expect(parts.map(\.firstAccount) == stride(from: 0, to: 20, by: 2).map(UInt32.init))
        #expect(parts.map(\.last) == Array(repeating: false, count: 9) + [true])
        #expect(parts.flatMap(\.losses) == batch.losses && parts.allSatisfy { $0.leaseID == 9 })
        // A budget below one account still sends one a part; no account, one empty last part.
        #expect(Wire.stressParts(batch, leaseID: 9, budget: 1).count == 20)
        let none = Wire.stressParts(StressBatch(scenarios: 0..<3, losses: []), leaseID: 1, budget: 1024)
        #expect(none.count == 1 && none[0].last && none[0].losses.isEmpty)
    }

    /// A chunk's tails go compact when the coordinator accepts them: scenarios as offsets
    /// from the chunk's first scenario, losses as steps between their keys (the bits, the
    /// 63 below the sign inverted when it is clear), which rise along a ranked tail; else
    /// plain. Never both. Summed back, the steps give every loss's bits, -0 and +0 apart.
    @Test func tailsGoCompactFromTheChunk() throws {
        let plan = try EnginePlan(try ClusterJobs.quickstart.engineJob)
        let range = plan.chunks.range(ofChunk: plan.chunks.chunkCount - 1)
        var summary = ChunkComputer(plan: plan).summarize(range, floors: nil)
        #expect(summary.accounts.contains { !$0.tail.isEmpty } && range.lowerBound > 0)
        // One tail of signed zeros and a negative loss (ranked: equal losses by scenario).
        let first = range.lowerBound
        summary.accounts[0].tail = [TailLoss(loss: 2e5, scenario: first + 5), TailLoss(loss: 1e3, scenario: first + 4),
                                    TailLoss(loss: 0, scenario: first), TailLoss(loss: -0.0, scenario: first + 1),
                                    TailLoss(loss: 0, scenario: first + 3), TailLoss(loss: -2.5, scenario: first + 2)]
        let compact = Wire.resultParts(summary, leaseID: 3, budget: 1 << 20, compactTails: true)
        let plain = Wire.resultParts(summary, leaseID: 3, budget: 1 << 20)
        #expect(compact.count == 1 && plain.count == 1)
        for (account, (small, whole)) in zip(compact[0].accounts, plain[0].accounts).enumerated() {
            let tail = summary.accounts[account].tail
            #expect(small.tailScenarios.isEmpty && small.tailLosses.isEmpty)
            #expect(whole.tailScenarioOffsets.isEmpty && whole.tailLossKeySteps.isEmpty)
            #expect(try PackedVarintsTests.protobufValues(small.tailScenarioOffsets) == tail.map { $0.scenario - first } && whole.tailScenarios == tail.map(\.scenario))
            var key: UInt64 = 0
            let keys = try PackedVarintsTests.protobufValues(small.tailLossKeySteps).map { step -> UInt64 in
                key &+= step
                return key
            }
            let bits = keys.map { $0 >> 63 == 1 ? $0 : $0 ^ 0x7FFF_FFFF_FFFF_FFFF }
            #expect(bits == tail.map(\.loss.bitPattern) && whole.tailLosses.map(\.bitPattern) == bits)
            // Along a ranked tail the keys rise between unequal losses (between -0 and +0,
            // tied, a key may fall a unit): each step is their difference, no wrap.
            for index in tail.indices.dropFirst() where tail[index].loss != tail[index - 1].loss {
                #expect(keys[index] > keys[index - 1], "account \(account), entry \(index)")
            }
        }
        let compactBytes: [UInt8] = try compact[0].serializedBytes()
        let plainBytes: [UInt8] = try plain[0].serializedBytes()
        #expect(compactBytes.count < plainBytes.count)
    }

    /// A group's results go in messages of at most the budget, plain or compact: a compact
    /// tail has no losses field, and sizing messages by it once put a whole group of
    /// floorless chunks in one message past the coordinator's limit (the stream was reset,
    /// the worker reconnected and did it again, and the job failed).
    @Test func groupedResultsStayWithinTheBudget() throws {
        let plan = try EnginePlan(try ClusterJobs.quickstart.engineJob)
        let computer = ChunkComputer(plan: plan)
        for compact in [false, true] {
            let parts = (0..<8).flatMap { chunk in
                Wire.resultParts(computer.summarize(plan.chunks.range(ofChunk: chunk), floors: nil), leaseID: UInt64(chunk),
                                 budget: 1 << 30, compactTails: compact)
            }
            let partBytes = try parts.map { part -> Int in
                #expect(part.accounts.contains { !($0.tailLossKeySteps.isEmpty && $0.tailLosses.isEmpty) })
                let bytes: [UInt8] = try part.serializedBytes()
                return bytes.count
            }
            let budget = 3 * (partBytes.max() ?? 0)
            let messages = Wire.resultMessages(parts, budget: budget)
            #expect(messages.count >= 3, "compact \(compact): \(partBytes)")
            #expect(messages.flatMap(\.results.parts) == parts)
            for message in messages {
                let bytes: [UInt8] = try message.serializedBytes()
                #expect(bytes.count <= budget, "compact \(compact): \(message.results.parts.count) parts, \(bytes.count) bytes")
            }
        }
    }

    @Test func replaysSplitByAccounts() throws {
        var replay = TailReplay(lineCounts: [2, 5, 1, 3, 4, 2, 2], processes: 3, stages: 2)
        for slot in replay.counts.indices {
            replay.counts[slot] = slot + 1
            replay.lossSums[slot].add(Double(slot) * 100.25)
        }
        let whole = Wire.replayParts(replay, leaseID: 4, budget: 1 << 20)
        #expect(whole.count == 1 && whole[0].last && whole[0].accounts.count == 7)
        let parts = Wire.replayParts(replay, leaseID: 4, budget: 600)
        #expect(parts.count > 2)
        var next: UInt32 = 0
        for (index, part) in parts.enumerated() {
            #expect(part.firstAccount == next && !part.accounts.isEmpty)
            #expect(part.last == (index == parts.count - 1))
            next += UInt32(part.accounts.count)
        }
        #expect(next == 7)
        #expect(parts.flatMap(\.accounts) == whole[0].accounts)
        #expect(parts.flatMap(\.accounts).map(\.count) == Array(1...7).map(UInt64.init))
    }

    @Test func assignmentsThatDoNotFitTheJobAreRefused() throws {
        let plan = try EnginePlan(try ClusterJobs.stressed(scenarios: 8192, chunkSize: 4096).engineJob)
        func assignment(_ kind: Tailgrid_V1_ChunkAssignment.Kind, _ first: UInt64, _ end: UInt64,
                        floors: [Double] = []) -> Tailgrid_V1_ChunkAssignment {
            .with {
                $0.kind = kind
                $0.firstScenario = first
                $0.endScenario = end
                $0.floors = floors
            }
        }
        #expect(try Wire.unit(of: assignment(.scenarios, 4096, 8192), plan: plan) == .scenarios(4096..<8192))
        #expect(try Wire.unit(of: assignment(.stress, 256, 310), plan: plan) == .stress(256..<310))
        #expect(try Wire.unit(of: assignment(.replay, 0, 4096), plan: plan) == .replay(0..<4096))
        let rows = plan.lossRowCount
        for bad in [assignment(.scenarios, 0, 8193), assignment(.scenarios, 5, 5), assignment(.scenarios, UInt64.max, 0),
                    assignment(.scenarios, 0, 4096, floors: [1]), assignment(.scenarios, 0, 4096, floors: Array(repeating: .nan, count: rows)),
                    assignment(.stress, 0, 310), assignment(.stress, 1, 257), assignment(.replay, 8192, 8193),
                    assignment(.UNRECOGNIZED(7), 0, 4096)] {
            #expect(throws: EngineError.self, "\(bad)") { try Wire.unit(of: bad, plan: plan) }
        }
    }
}
