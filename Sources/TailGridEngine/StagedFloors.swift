import TailGridNumerics

/// The floors a local run raises as it goes: after its first chunks, the speculative floor
/// a merge would send (`SummaryMerger+Floors`), from the run's own shared tails.
///
/// A run with pilot floors computes its chunks in stages. At each stage's end the threads
/// have offered every held candidate, so each row's shared tail holds the top of every
/// loss of the first M scenarios that reached the row's floor; when it holds r of them,
/// its r-th entry is the r-th largest loss of those M scenarios (any loss ranked above it
/// reached the floor, and a loss kept out by a bar or a cut had k above it). With r =
/// `PilotFloors.floorRank(pilot: M, ...)`, that loss lies above the job's k-th largest
/// with chance at most the bound, as the pilot's does: the first M scenarios are chosen
/// without looking at their losses. Each stage's bound is 1e-12 divided among the stages,
/// so the stages add at most 1e-12 to the pilot's chance that a floor was too high.
///
/// The pilot's floor is about the 3.1% quantile (rank 63 of 2,048); the floors after 8,192
/// and 32,768 scenarios of 100,000 (k = 1,062) are about the 1.9% and 1.4%. A tail whose
/// bar rises from a floor at quantile q admits about k (1 + ln(q / (k/N))) losses, and
/// each admission is a write to a row's shared buffer that the other core wrote last:
/// counted on the 20,000-account book, 2,176 a row from the pilot's floor alone and 1,601
/// with the two stages (2,545 and 1,677 on the 2,000-account book).
///
/// Raised floors let a tail keep entries below them (admitted before), so the run's check
/// is the merge's (`SummaryMerger.floorsHeld`): every tail holds min(k, count) losses and
/// its k-th is at or above its row's highest floor. A row whose first M losses were not all
/// finite keeps its floor (the bound counts scenarios).
public enum StagedFloors {
    /// The factor between the scenarios successive stages reach: 4, 16, 64, ... times the
    /// pilot's.
    public static let growth = 4

    /// The chunk ranges of a run with speculative floors: stages ending at the first chunk
    /// boundaries at or past 4, 16, 64, ... times the pilot's scenarios (a tile when there is
    /// no pilot), while such a boundary is at most half the job's scenarios, then the rest.
    /// One stage (every chunk) for a small job.
    public static func stages(of chunks: ChunkPlan) -> [Range<Int>] {
        let scenarios = chunks.scenarios
        var reach = Swift.max(PilotFloors.pilotScenarios(scenarios: scenarios), ScenarioTile.size) * growth
        var ends: [Int] = []
        while reach <= scenarios / 2 {
            let end = (reach + chunks.chunkSize - 1) / chunks.chunkSize
            guard end * chunks.chunkSize <= scenarios / 2 else { break }
            if end > (ends.last ?? 0) { ends.append(end) }
            let (next, overflow) = reach.multipliedReportingOverflow(by: growth)
            guard !overflow else { break }
            reach = next
        }
        var stages: [Range<Int>] = []
        var start = 0
        for end in ends + [chunks.chunkCount] {
            stages.append(start..<end)
            start = end
        }
        return stages
    }

    /// Each row's floor after the first `scenarios` of the job: its floor in `floors`
    /// raised to its kept loss of the stage's rank (`keptLosses`: the rank-th entry of its
    /// tail, nil where the tail holds fewer) where every one of the row's `scenarios`
    /// losses was finite (`finiteCounts`).
    public static func raised(_ floors: [Double], keptLosses: [Double?], finiteCounts: [Int], scenarios: Int) -> [Double] {
        floors.indices.map { row in
            raised(floors[row], keptLoss: keptLosses[row], finiteCount: finiteCounts[row], scenarios: scenarios)
        }
    }

    /// One row's `raised`: also the rule a merge's speculative floor follows
    /// (`SummaryMerger.admissionFloors`).
    static func raised(_ floor: Double, keptLoss: Double?, finiteCount: Int, scenarios: Int) -> Double {
        guard finiteCount == scenarios, let keptLoss else { return floor }
        return Swift.max(floor, keptLoss)
    }

    /// The rank of a stage's floor among the first `scenarios` of `plan`'s, with the bound
    /// divided among `stageCount` stage ends; nil when none applies.
    public static func rank(scenarios: Int, plan: EnginePlan, stageCount: Int) -> Int? {
        guard let rank = PilotFloors.floorRank(
            pilot: scenarios, scenarios: plan.job.scenarios, tailCapacity: plan.tailCapacity,
            bound: PilotFloors.failureBound / Double(Swift.max(1, stageCount))),
            rank <= SharedTails.capacity(for: plan) else { return nil }
        return rank
    }

    /// Whether a row's ranked tail `tail` (its `count` finite losses) holds every loss of
    /// its top `capacity` for a run whose highest floor for the row was `floor`: it holds
    /// min(capacity, count) losses, and the last of a full tail is at or above the floor.
    public static func held(tail: [TailLoss], count: Int, capacity: Int, floor: Double) -> Bool {
        let needed = Swift.min(capacity, count)
        guard tail.count >= needed else { return false }
        return needed < capacity || tail[capacity - 1].loss >= floor
    }
}
