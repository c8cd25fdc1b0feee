import TailGridNumerics

/// The floors a merge sends with the next chunks, and the check that none was too high.
///
/// A chunk ships only the losses at or above its floor. Three floors, the highest wins:
/// - exact: the k-th largest loss merged so far (once the tail is full), never above the
///   job's k-th largest;
/// - the pilot's (`PilotFloors`), for the first chunks;
/// - the merge's own speculation, when pilot floors are used: the r-th largest loss of
///   the m scenarios merged so far, r = `PilotFloors.floorRank(pilot: m, ...)` with a
///   bound of 1e-12 / chunks. The chunks merged are chosen by when they finished, not by
///   their losses, so they are exchangeable like the pilot's scenarios, and the pilot's
///   argument holds for them: the r-th largest lies above the job's k-th largest with
///   chance at most the bound. The merged tail is a subset of those m losses, so its
///   r-th entry is no higher than their r-th largest. Summed over the chunks, the merge's
///   floors add at most 1e-12 to the pilot's chance that an account's floor was too high.
///
/// The exact floor is the k/m quantile of what is merged (the 3% quantile after 33,000
/// scenarios of 100,000, k = 1,010); the speculative one is the 1.9% quantile after one
/// chunk of 8,192 and nears the 1% the tail needs as m grows (1.35% at m = 33,000, 1.2%
/// at 65,000), so every later chunk ships fewer losses.
///
/// Nothing is trusted: `floorsHeld` checks at the end that no chunk's floor lay above its
/// account's k-th largest merged loss. If one did, losses above that k-th may not have been
/// shipped, and the job is computed again without speculation (pilot floors off, which
/// turns the merge's speculation off too); with exact floors alone it always holds.
extension SummaryMerger {
    /// Per account, the loss a new tail entry must reach to be shipped: the highest of the
    /// exact floor, the pilot's and the merge's speculative floor (see above). It rises as
    /// chunks merge (pending entries raise the exact floor when they are merged: until then
    /// it is a lower, still safe, bar).
    public var admissionFloors: [Double] {
        let rank = speculativeRank
        return merged.indices.map { account in
            let summary = merged[account]
            let tail = summary.tail
            var floor = tail.count >= tailCapacity ? tail[tailCapacity - 1].loss : -.infinity
            if let pilotFloors { floor = Swift.max(floor, pilotFloors[account]) }
            // Only an account whose every merged loss was finite: the bound counts scenarios.
            guard let rank else { return floor }
            return StagedFloors.raised(floor, keptLoss: rank <= tail.count ? tail[rank - 1].loss : nil,
                                       finiteCount: summary.count, scenarios: mergedScenarios)
        }
    }

    /// `admissionFloors`, computed once per merged chunk: a coordinator hands out several
    /// leases between two merges (a group's worth), and each computed every account's
    /// floor and the speculative rank (`PilotFloors.floorRank`) anew. Only a merge changes
    /// the floors, and every merge adds a chunk.
    public mutating func cachedAdmissionFloors() -> [Double] {
        if let floorsCache, floorsCache.chunks == mergedChunks.count { return floorsCache.floors }
        let floors = admissionFloors
        floorsCache = (mergedChunks.count, floors)
        return floors
    }

    /// The rank of the merge's speculative floor among the losses merged so far; nil when
    /// it speculates on nothing (no pilot floors, nothing merged yet, or every chunk).
    var speculativeRank: Int? {
        guard pilotFloors != nil, mergedScenarios > 0, mergedScenarios < scenarioCount else { return nil }
        return PilotFloors.floorRank(pilot: mergedScenarios, scenarios: scenarioCount, tailCapacity: tailCapacity,
                                     bound: PilotFloors.failureBound / Double(Swift.max(1, plan.chunkCount)))
    }

    /// False when some account's merged tail may lack losses that belong in it: it holds
    /// fewer than min(k, count) losses, or its k-th largest lies below the highest floor a
    /// merged chunk was computed with (that chunk did not ship the losses between the
    /// two). A chunk whose floor f is at most the merged k-th v shipped every loss of
    /// the job's top k (each is at least v), so the merged top k is the job's. The job
    /// must then be computed again without speculative floors. Meaningful once the merge
    /// is complete.
    ///
    /// The k-th of the tail and its pending entries is at least f exactly when k of them
    /// are: counted (a binary search of the ranked tail, a pass over the pending), not
    /// merged, so the check costs no copy of a tail and can run after every unit a
    /// coordinator receives once the merge is complete (audits, replays).
    public var floorsHeld: Bool {
        for account in merged.indices where highestFloors[account] > -.infinity {
            let tail = merged[account].tail
            let kept = tail.count + pending[account].count
            let needed = Swift.min(tailCapacity, merged[account].count)
            if kept < needed { return false }
            // Fewer finite losses than k: every one of them is kept.
            guard needed == tailCapacity else { continue }
            let floor = highestFloors[account]
            // The tail without its pending entries: its k-th is a lower bound of the k-th.
            if tail.count >= tailCapacity, tail[tailCapacity - 1].loss >= floor { continue }
            let reaching = Self.countReaching(floor, ranked: tail) + pending[account].count { $0.loss >= floor }
            if reaching < tailCapacity { return false }
        }
        return true
    }

    /// How many entries of the ranked (largest loss first) `tail` have a loss of at least
    /// `floor`: they are its first ones.
    static func countReaching(_ floor: Double, ranked tail: [TailLoss]) -> Int {
        var low = 0
        var high = tail.count
        while low < high {
            let middle = low + (high - low) / 2
            if tail[middle].loss >= floor { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
