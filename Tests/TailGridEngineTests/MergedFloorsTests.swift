import Foundation
import Testing
import TailGridEngine
import TailGridNumerics

/// The merge's speculative floors (`SummaryMerger.admissionFloors` with pilot floors):
/// later chunks ship fewer losses, every floor lies below its account's k-th largest loss
/// as the bound promises, the result is the same bits, and a floor above an account's
/// k-th largest is caught at the end even when the tail came out full.
@Suite("Merged floors")
struct MergedFloorsTests {
    /// The chunks of `plan` computed in order, each with the floors `floors(merger)` gives
    /// before it is merged: the merger and every floor sent.
    static func merge(_ plan: EnginePlan, pilotFloors: [Double]?, floors: (SummaryMerger) -> [Double]?)
        throws -> (merger: SummaryMerger, sent: [[Double]?], shipped: Int) {
        var merger = SummaryMerger(plan: plan, pilotFloors: pilotFloors)
        let computer = ChunkComputer(plan: plan)
        var sent: [[Double]?] = []
        var shipped = 0
        for chunk in 0..<plan.chunks.chunkCount {
            let chunkFloors = floors(merger)
            let summary = computer.summarize(plan.chunks.range(ofChunk: chunk), floors: chunkFloors)
            shipped += summary.accounts.map(\.tail.count).reduce(0, +)
            try merger.merge(chunk: chunk, summary, floors: chunkFloors)
            sent.append(chunkFloors)
        }
        return (merger, sent, shipped)
    }

    /// 25 chunks of 4,096: with the merge's speculation the chunks ship at most 80% of
    /// what the exact and pilot floors alone let through (measured: 72%, 6,498 entries against 9,001), no floor
    /// sent lies above its account's k-th largest loss, and the result is the bits of a run
    /// without any floor.
    @Test func laterChunksShipLessWithTheSameBits() throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(scenarios: 100_000, chunkSize: 4096))
        let pilot = PilotFloors.floors(for: plan)
        let speculating = try Self.merge(plan, pilotFloors: pilot) { $0.admissionFloors }
        let exactAndPilot = try Self.merge(plan, pilotFloors: nil) { merger in
            zip(merger.admissionFloors, pilot).map { Swift.max($0, $1) }
        }
        #expect(speculating.shipped * 5 <= exactAndPilot.shipped * 4,
                "\(speculating.shipped) entries shipped against \(exactAndPilot.shipped)")
        let held = speculating.merger.floorsHeld
        #expect(held)
        let result = try EngineResult(plan: plan, merged: speculating.merger)
        let unfloored = try LocalRunner(plan: plan, threads: 2, pilotFloors: .off).run()
        #expect(result.accounts.map(\.bitSignature) == unfloored.accounts.map(\.bitSignature))
        let tails = speculating.merger.summaries().map(\.tail)
        for (account, tail) in tails.enumerated() {
            let kth = tail[plan.tailCapacity - 1].loss
            let highest = speculating.sent.compactMap { $0?[account] }.max() ?? -.infinity
            #expect(highest <= kth, "account \(account): a floor of \(highest) above its k-th loss \(kth)")
        }
    }

    /// The floors a coordinator sends are computed once per merged chunk: before every
    /// merge, and again after a chunk that arrives twice (merged once), the cached floors
    /// are `admissionFloors` computed afresh, and they rise with the merges.
    @Test func cachedFloorsFollowEveryMerge() throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(scenarios: 40_000, chunkSize: 4096))
        var merger = SummaryMerger(plan: plan, pilotFloors: PilotFloors.floors(for: plan))
        let computer = ChunkComputer(plan: plan)
        var distinct: Set<[Double]> = []
        for chunk in 0..<plan.chunks.chunkCount {
            let floors = merger.cachedAdmissionFloors()
            #expect(floors == merger.admissionFloors, "before chunk \(chunk)")
            #expect(merger.cachedAdmissionFloors() == floors)
            distinct.insert(floors)
            let summary = computer.summarize(plan.chunks.range(ofChunk: chunk), floors: floors)
            try merger.merge(chunk: chunk, summary, floors: floors)
            if chunk == 2 {
                _ = merger.cachedAdmissionFloors()
                try merger.merge(chunk: chunk, summary, floors: floors)
                #expect(merger.cachedAdmissionFloors() == merger.admissionFloors, "after a chunk merged twice")
            }
        }
        #expect(merger.cachedAdmissionFloors() == merger.admissionFloors)
        #expect(distinct.count > plan.chunks.chunkCount / 2, "the floors rose at \(distinct.count) of \(plan.chunks.chunkCount) merges")
    }

    /// One chunk computed with a floor just above an account's k-th largest loss, that
    /// chunk holding the k-th: the loss is not shipped, yet the other chunks fill the tail
    /// (so counting entries cannot see it) with a smaller k-th. `floorsHeld` compares the
    /// k-th with the floors sent, and the result is refused.
    @Test func aFloorAboveTheKthIsCaughtWhenTheTailIsFull() throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(scenarios: 20_000, chunkSize: 2048))
        let k = plan.tailCapacity
        let truth = try Self.merge(plan, pilotFloors: nil) { _ in nil }.merger.summaries()
        let account = 0
        let kth = truth[account].tail[k - 1]
        let holding = try #require((0..<plan.chunks.chunkCount).first { plan.chunks.range(ofChunk: $0).contains(kth.scenario) })
        var tooHigh = Array(repeating: -Double.infinity, count: plan.lossRowCount)
        tooHigh[account] = kth.loss.nextUp
        let starved = try Self.merge(plan, pilotFloors: nil) { merger in
            merger.mergedChunks.count == holding ? tooHigh : merger.admissionFloors
        }
        let merged = starved.merger.summaries()[account]
        #expect(merged.tail.count == k, "the tail is full: counting cannot tell")
        #expect(merged.tail[k - 1] != kth, "the k-th largest loss is missing")
        let held = starved.merger.floorsHeld
        #expect(!held)
        #expect(throws: EngineError.self) { _ = try EngineResult(plan: plan, merged: starved.merger) }
    }

    /// `floorsHeld` counts the entries reaching each floor instead of merging the pending
    /// entries into a copy of every tail: it says what the merged tails say. Each account
    /// in turn gets, for one chunk, a floor just below, at, or just above its k-th largest
    /// loss; most merges end with entries still pending (a batch not yet flushed), so
    /// the count covers both the tail and the pending list. Expected: held exactly when
    /// every merged tail's k-th reaches the highest floor its account was sent.
    @Test func floorsHeldSaysWhatTheMergedTailsSay() throws {
        let plan = try EnginePlan(try Fixtures.mixedJob(scenarios: 20_000, chunkSize: 2048))
        let k = plan.tailCapacity
        let truth = try Self.merge(plan, pilotFloors: nil) { _ in nil }.merger.summaries()
        var outcomes: [(held: Bool, pending: Bool)] = []
        for account in 0..<plan.lossRowCount {
            let kth = truth[account].tail[k - 1]
            let holding = try #require((0..<plan.chunks.chunkCount).first { plan.chunks.range(ofChunk: $0).contains(kth.scenario) })
            for floor in [kth.loss.nextDown, kth.loss, kth.loss.nextUp] {
                var floors = Array(repeating: -Double.infinity, count: plan.lossRowCount)
                floors[account] = floor
                let run = try Self.merge(plan, pilotFloors: nil) { merger in
                    merger.mergedChunks.count == holding ? floors : merger.admissionFloors
                }
                let tails = run.merger.tails(rows: 0..<plan.lossRowCount)
                let summaries = run.merger.summaries()
                let expected = tails.indices.allSatisfy { row in
                    let highest = run.sent.compactMap { $0?[row] }.max() ?? -.infinity
                    let needed = Swift.min(k, summaries[row].count)
                    return tails[row].count >= needed && (needed < k || tails[row][k - 1].loss >= highest)
                }
                let held = run.merger.floorsHeld
                #expect(held == expected, "account \(account), floor \(floor) against its k-th \(kth.loss)")
                #expect(held == (floor <= kth.loss), "account \(account): a floor at or below the k-th holds, above it not")
                outcomes.append((held, run.merger.pendingEntries(row: account) > 0))
            }
        }
        // Both answers, each with entries still pending (measured: 5 of 6 accounts).
        #expect(outcomes.contains { $0.held && $0.pending } && outcomes.contains { !$0.held && $0.pending })
    }

    /// The floors' rank is larger for a smaller bound (the merge divides 1e-12 among the
    /// chunks) and its quantile falls towards k / N as more scenarios are merged.
    @Test func rankTightensAsTheMergeGrows() throws {
        let n = 100_000, k = 1010
        var previous = 1.0
        for m in [8192, 16_384, 32_768, 65_536, 98_304] {
            let rank = try #require(PilotFloors.floorRank(pilot: m, scenarios: n, tailCapacity: k, bound: 1e-12 / 13))
            let quantile = Double(rank) / Double(m)
            #expect(quantile < previous && quantile > Double(k) / Double(n), "m = \(m): rank \(rank)")
            previous = quantile
            let looser = try #require(PilotFloors.floorRank(pilot: m, scenarios: n, tailCapacity: k))
            #expect(looser <= rank)
        }
        #expect(previous < 0.013)
    }
}
