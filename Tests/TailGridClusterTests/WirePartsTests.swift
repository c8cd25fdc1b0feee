import Testing
import TailGridCluster
import TailGridEngine
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
