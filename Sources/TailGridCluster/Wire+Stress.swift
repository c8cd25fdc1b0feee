import Foundation
import TailGridEngine
import TailGridProtocol

/// Stress batches on the wire and in the journal: every account's losses in one batch of
/// stress scenarios, split by accounts so every message stays under the size limit.
extension Wire {
    /// A stress batch as result parts of at most about `budget` bytes each (at least one
    /// account per part: an account's row is at most 256 losses, 2 KiB).
    public static func stressParts(_ batch: StressBatch, leaseID: UInt64, budget: Int) -> [Tailgrid_V1_StressResultPart] {
        let width = Swift.max(1, batch.scenarios.count)
        let accounts = batch.losses.count / width
        return accountRanges(count: accounts, budget: budget) { _ in 8 * width + 16 }.map { range in
            var part = Tailgrid_V1_StressResultPart()
            part.leaseID = leaseID
            part.firstAccount = UInt32(range.lowerBound)
            part.losses = Array(batch.losses[(range.lowerBound * width)..<(range.upperBound * width)])
            part.last = range.upperBound == accounts
            return part
        }
    }

    /// The losses of one stress result part appended to those received before it, checked
    /// against the batch's width and the job's accounts.
    static func appendStressPart(_ part: Tailgrid_V1_StressResultPart, to losses: inout [Double], width: Int,
                                 accounts: Int) throws(ClusterError) {
        guard width > 0, Int(part.firstAccount) * width == losses.count else {
            throw ClusterError(.protocolViolation, "stress result part starts at account \(part.firstAccount), expected \(losses.count / Swift.max(1, width))")
        }
        guard part.losses.count % width == 0, part.losses.count / width <= accounts - losses.count / width else {
            throw ClusterError(.protocolViolation, "stress result part holds \(part.losses.count) losses: not whole rows of \(width) within the job's \(accounts) accounts")
        }
        if part.last {
            guard losses.count + part.losses.count == accounts * width else {
                throw ClusterError(.protocolViolation, "stress result ends after \((losses.count + part.losses.count) / width) of the job's \(accounts) accounts")
            }
        }
        losses.append(contentsOf: part.losses)
    }

    /// A stress batch as the journal keeps it: one part holding every account.
    static func journalBytes(_ batch: StressBatch) -> Data {
        var part = Tailgrid_V1_StressResultPart()
        part.losses = batch.losses
        part.last = true
        return (try? part.serializedBytes()) ?? Data()
    }

    /// A journaled stress batch of unit `index`, decoded and checked like one from the wire.
    static func journaledStressBatch(_ bytes: Data, unit index: Int, plan: EnginePlan) throws(ClusterError) -> StressBatch {
        let units = plan.units
        guard index >= 0, index < units.count, case .stress(let range) = units.unit(index) else {
            throw ClusterError(.protocolViolation, "unit \(index) of the journal is not a stress batch of the job")
        }
        let part: Tailgrid_V1_StressResultPart
        do { part = try Tailgrid_V1_StressResultPart(serializedBytes: bytes) } catch {
            throw ClusterError(.protocolViolation, "\(units.describe(index)) is not a stress batch in the journal: \(error)")
        }
        let batch = StressBatch(scenarios: range, losses: part.losses)
        guard batch.fits(accounts: plan.job.accounts.count) else {
            throw ClusterError(.protocolViolation, "\(units.describe(index)) of the journal holds \(part.losses.count) losses, the job needs \(plan.job.accounts.count * range.count)")
        }
        return batch
    }
}
