import Foundation
import TailGridEngine
import TailGridNumerics
import TailGridProtocol

/// Replays on the wire: the bars a REPLAY assignment carries, and the replay's exact sums
/// and worst moves coming back, split by accounts.
extension Wire {
    static func write(_ bars: ReplayBars, into assignment: inout Tailgrid_V1_ChunkAssignment) {
        assignment.barLosses = bars.tail.map(\.loss)
        assignment.barScenarios = bars.tail.map(\.scenario)
        assignment.worstBarLosses = bars.worst.map(\.loss)
        assignment.worstBarScenarios = bars.worst.map(\.scenario)
        assignment.tailCount = UInt32(clamping: bars.tailCount)
    }

    /// The bars of a REPLAY assignment: one pair per account of the job, finite, inside the
    /// job's scenarios, with the plan's own tail length.
    public static func bars(of assignment: Tailgrid_V1_ChunkAssignment, plan: EnginePlan) throws(EngineError) -> ReplayBars {
        let accounts = plan.job.accounts.count
        let k = TailEstimate.tailCount(scenarios: plan.job.scenarios, confidence: plan.job.confidences[0])
        let scenarios = UInt64(plan.job.scenarios)
        guard [assignment.barLosses.count, assignment.barScenarios.count, assignment.worstBarLosses.count,
               assignment.worstBarScenarios.count].allSatisfy({ $0 == accounts }),
              Int(assignment.tailCount) == k,
              (assignment.barLosses + assignment.worstBarLosses).allSatisfy(\.isFinite),
              (assignment.barScenarios + assignment.worstBarScenarios).allSatisfy({ $0 < scenarios }) else {
            throw EngineError(.inconsistentSummary, "the replay's bars are not one finite tail entry per account of this job with its tail of \(k)")
        }
        return ReplayBars(accounts: Array(0..<accounts),
                          tail: zip(assignment.barLosses, assignment.barScenarios).map { TailLoss(loss: $0, scenario: $1) },
                          worst: zip(assignment.worstBarLosses, assignment.worstBarScenarios).map { TailLoss(loss: $0, scenario: $1) },
                          tailCount: k)
    }

    static func words(_ sum: ExactSum) -> [UInt64] {
        let limbs = sum.limbs
        return [limbs[0], limbs[1], limbs[2], limbs[3], sum.isInvalid ? 1 : 0]
    }

    static func message(_ replay: TailReplay, slot: Int) -> Tailgrid_V1_AccountReplay {
        var message = Tailgrid_V1_AccountReplay()
        message.count = UInt64(replay.counts[slot])
        let sums = [replay.lossSums[slot]] + replay.lineSums[slot] + replay.returnSums[slot] + replay.multiplierSums[slot]
            + replay.stageSums[slot]
        message.sums = sums.flatMap(words)
        message.worst = replay.worstMoves[slot].sorted { $0.key < $1.key }.map { scenario, moves in
            Tailgrid_V1_ScenarioMoves.with {
                $0.scenario = scenario
                $0.spotReturns = moves.spotReturns
                $0.volMultipliers = moves.volMultipliers
            }
        }
        return message
    }

    /// A replay as result parts of at most about `budget` bytes each.
    public static func replayParts(_ replay: TailReplay, leaseID: UInt64, budget: Int) -> [Tailgrid_V1_ReplayResultPart] {
        let ranges = accountRanges(count: replay.counts.count, budget: budget) { slot in
            let words = 1 + replay.lineSums[slot].count + 2 * replay.returnSums[slot].count + replay.stageSums[slot].count
            return 40 * words + replay.worstMoves[slot].count * (16 + 16 * replay.returnSums[slot].count) + 32
        }
        return ranges.map { range in
            var part = Tailgrid_V1_ReplayResultPart()
            part.leaseID = leaseID
            part.firstAccount = UInt32(range.lowerBound)
            part.accounts = range.map { message(replay, slot: $0) }
            part.last = range.upperBound == replay.counts.count
            return part
        }
    }

    /// Decodes one account's replay into `replay` at `slot`, whose shape (lines, processes,
    /// stages) it must have; its worst moves must lie in `range`, one per process each.
    static func decode(_ message: Tailgrid_V1_AccountReplay, slot: Int, into replay: inout TailReplay,
                       range: Range<UInt64>) throws(ClusterError) {
        let lines = replay.lineSums[slot].count
        let processes = replay.returnSums[slot].count
        let stages = replay.stageSums[slot].count
        let expected = 5 * (1 + lines + 2 * processes + stages)
        guard message.sums.count == expected else {
            throw ClusterError(.protocolViolation, "an account's replay has \(message.sums.count) sum words, the job \(expected)")
        }
        guard message.count <= UInt64(range.count) else {
            throw ClusterError(.protocolViolation, "an account's replay counts \(message.count) tail scenarios in a range of \(range.count)")
        }
        guard message.worst.count <= TailAttribution.worstScenarioCount,
              Set(message.worst.map(\.scenario)).count == message.worst.count,
              message.worst.allSatisfy({ range.contains($0.scenario) && $0.spotReturns.count == processes && $0.volMultipliers.count == processes }) else {
            throw ClusterError(.protocolViolation, "an account's replay lists worst scenarios outside its range, twice, or without one move per process")
        }
        var sums: [ExactSum] = []
        sums.reserveCapacity(expected / 5)
        for start in stride(from: 0, to: expected, by: 5) {
            let flag = message.sums[start + 4]
            guard flag <= 1 else { throw ClusterError(.protocolViolation, "an exact sum's invalid flag is \(flag)") }
            sums.append(ExactSum(limbs: SIMD4(message.sums[start], message.sums[start + 1], message.sums[start + 2], message.sums[start + 3]),
                                 isInvalid: flag == 1))
        }
        replay.counts[slot] = Int(message.count)
        replay.lossSums[slot] = sums[0]
        replay.lineSums[slot] = Array(sums[1..<(1 + lines)])
        replay.returnSums[slot] = Array(sums[(1 + lines)..<(1 + lines + processes)])
        replay.multiplierSums[slot] = Array(sums[(1 + lines + processes)..<(1 + lines + 2 * processes)])
        replay.stageSums[slot] = Array(sums[(1 + lines + 2 * processes)...])
        replay.worstMoves[slot] = Dictionary(uniqueKeysWithValues: message.worst.map {
            ($0.scenario, AccountExplanation.Moves(spotReturns: $0.spotReturns, volMultipliers: $0.volMultipliers))
        })
    }
}
