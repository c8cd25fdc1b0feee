import TailGridNumerics

/// Merges chunk summaries into the job's summary, exactly and in any order. A chunk that
/// arrives twice (a retried or speculative copy) is counted once.
///
/// Tails merge in batches: a chunk's entries that rank before the account's current bar
/// (its last kept loss once the tail is full) wait in a pending list, and are sorted and
/// merged into the tail, in its own storage, once there are `pendingLimit` of them. A merge per chunk
/// would cost the whole tail (which grows with the scenario count) for every chunk (whose
/// number grows too): quadratic in scenarios. Batched, each entry costs O(log) amortised
/// and nothing is allocated once the lists have grown. Entries behind the bar can never
/// reach the final tail, so the result is the exact top of all entries, as before.
public struct SummaryMerger: Sendable {
    public let plan: ChunkPlan
    public let tailCapacity: Int
    /// Counts, sums and histograms complete; tails without the pending entries.
    var merged: [AccountLossSummary]
    /// Per account, admitted entries not yet merged into its tail: ranked runs end to end,
    /// one per chunk since the last merge (`sortRankedRuns` ranks them).
    var pending: [[TailLoss]]
    /// How many pending entries of one account trigger their merge: a sixteenth of the
    /// tail. A merge moves the tail below the batch's first entry (most of it, as a chunk's
    /// entries spread over the whole tail), so each entry costs up to k / limit moves; but the bar
    /// (and the exact floor sent with each lease) moves only at a merge: with a quarter,
    /// a 10M-scenario job's workers sent 10.6 MB instead of 9.0 MB and its merge took 3x
    /// as long.
    let pendingLimit: Int
    public private(set) var mergedChunks: Set<Int>
    /// Speculative first floors (see `PilotFloors`), nil when none are used; without them
    /// the merge speculates on nothing (`admissionFloors` are exact).
    public let pilotFloors: [Double]?
    /// The job's scenario count (N of the floors' bound).
    let scenarioCount: Int
    /// Scenarios of the chunks merged so far.
    public private(set) var mergedScenarios = 0
    /// `admissionFloors` as of the merged chunk count it was computed at
    /// (`cachedAdmissionFloors`).
    var floorsCache: (chunks: Int, floors: [Double])?
    /// Per account, the highest floor a merged chunk was computed with: the merge is exact
    /// only if none lies above the account's k-th largest loss (`floorsHeld`). It starts at
    /// the pilot's floors: a chunk journaled without its floors was sent no higher
    /// speculative floor (its other floor, the exact one, never lies above the k-th).
    var highestFloors: [Double]

    /// A merger for `plan`, whose admission floors start at `pilotFloors` (one per
    /// account) when given.
    public init(plan: EnginePlan, pilotFloors: [Double]? = nil) {
        precondition(pilotFloors == nil || pilotFloors?.count == plan.histogramLayouts.count, "one pilot floor per account")
        self.plan = plan.chunks
        self.pilotFloors = pilotFloors
        self.scenarioCount = plan.job.scenarios
        self.highestFloors = pilotFloors ?? Array(repeating: -.infinity, count: plan.histogramLayouts.count)
        self.tailCapacity = plan.tailCapacity
        self.merged = plan.histogramLayouts.map { AccountLossSummary(histogramLayout: $0) }
        self.pending = Array(repeating: [], count: plan.histogramLayouts.count)
        self.pendingLimit = Swift.max(64, plan.tailCapacity / 16)
        self.mergedChunks = []
    }

    /// Every loss row's merged summary, its pending entries merged in. A method, not a
    /// property: each call builds every tail anew (reading it per account made building
    /// a result quadratic in accounts).
    public func summaries() -> [AccountLossSummary] {
        var copy = self
        return copy.takeSummaries()
    }

    /// `summaries()` without a copy of the tails: the pending entries are merged into
    /// each tail in its own storage and the summaries handed over, leaving this merger
    /// empty. On a book of 20,000 accounts the tails are hundreds of megabytes, which a
    /// copy held twice at the end of a run.
    public mutating func takeSummaries() -> [AccountLossSummary] {
        floorsCache = nil
        var summaries: [AccountLossSummary] = []
        swap(&summaries, &merged)
        var waiting: [[TailLoss]] = []
        swap(&waiting, &pending)
        for index in summaries.indices where index < waiting.count {
            Self.merge(&waiting[index], into: &summaries[index].tail, capacity: tailCapacity)
            waiting[index] = []
        }
        return summaries
    }

    /// The merged tails of the loss rows `rows` (ranked, largest first), their pending
    /// entries merged in: a copy of those tails only.
    public func tails(rows: Range<Int>) -> [[TailLoss]] {
        rows.map { index in
            var tail = merged[index].tail
            if index < pending.count, !pending[index].isEmpty {
                var waiting = pending[index]
                Self.merge(&waiting, into: &tail, capacity: tailCapacity)
            }
            return tail
        }
    }

    /// Merges the summary of chunk `index`, computed with the admission `floors` it was
    /// given (nil: none); returns false (and ignores it) if that chunk was merged already.
    /// A summary that breaks any rule of `SummaryCheck` is refused whole.
    @discardableResult
    public mutating func merge(chunk index: Int, _ summary: ChunkSummary, floors: [Double]? = nil) throws(EngineError) -> Bool {
        try check(chunk: index, summary, floors: floors)
        return mergeChecked(chunk: index, summary, floors: floors)
    }

    /// Merges a summary that `check(chunk:_:floors:)` has passed (a caller may check it
    /// outside a lock it merges under), computed with `floors` (nil: none, or, for a chunk
    /// journaled before floors were, at most the pilot's and exact ones); false if that
    /// chunk was merged already.
    @discardableResult
    public mutating func mergeChecked(chunk index: Int, _ summary: ChunkSummary, floors: [Double]? = nil) -> Bool {
        guard mergedChunks.insert(index).inserted else { return false }
        mergedScenarios += summary.scenarios.count
        if let floors, floors.count == highestFloors.count {
            for account in highestFloors.indices where floors[account] > highestFloors[account] {
                highestFloors[account] = floors[account]
            }
        }
        for (account, part) in summary.accounts.enumerated() {
            merged[account].mergeMoments(part)
            // The bar is read in place, not through a local copy of the tail: a copy still
            // alive at `flush` below would share the tail's storage, and the merge would
            // give the tail new memory instead of merging in its own.
            if merged[account].tail.count >= tailCapacity {
                let bar = merged[account].tail[tailCapacity - 1]
                // The part's tail is ranked: the first entry behind the bar ends it.
                for entry in part.tail {
                    guard entry.ranksBefore(bar) else { break }
                    pending[account].append(entry)
                }
            } else {
                pending[account].append(contentsOf: part.tail)
            }
            // Merge a batch, or as soon as the entries fill the tail: the first full tail
            // sets the exact admission floor every later chunk is sent with. (Merging every
            // chunk until then made a pilot-floored 10M job quadratic: with few entries
            // per chunk the tail fills late.)
            let waiting = pending[account].count
            let tailCount = merged[account].tail.count
            if waiting >= pendingLimit || (tailCount < tailCapacity && tailCount + waiting >= tailCapacity) {
                flush(account)
            }
        }
        return true
    }

    /// Merges the pending entries of `account` into its tail.
    mutating func flush(_ account: Int) {
        // Every tail fills in the end (or takes every scenario): room for the whole tail
        // makes it one allocation, first touched once. Grown step by step, the tails
        // touched three times as many fresh pages, and page faults took a tenth of a
        // coordinator's CPU on the 2,000-account book.
        let fullSize = Swift.min(tailCapacity, scenarioCount)
        if merged[account].tail.capacity < fullSize { merged[account].tail.reserveCapacity(fullSize) }
        Self.merge(&pending[account], into: &merged[account].tail, capacity: tailCapacity)
        // Room kept for the next batch, unless one large part grew it (20,000 accounts
        // would each carry the excess).
        pending[account].removeAll(keepingCapacity: pending[account].capacity <= 2 * pendingLimit)
    }

    /// Ranks `pending` (ranked runs end to end: each chunk's part of a tail is ranked) and
    /// merges it into the ranked `tail`, in place, keeping `capacity`.
    static func merge(_ pending: inout [TailLoss], into tail: inout [TailLoss], capacity: Int) {
        pending.sortRankedRuns()
        tail.mergeRanked(pending, capacity: capacity)
    }

    /// Checks a summary of chunk `index` without merging it.
    public func check(chunk index: Int, _ summary: ChunkSummary, floors: [Double]?) throws(EngineError) {
        guard index >= 0, index < plan.chunkCount, summary.scenarios == plan.range(ofChunk: index) else {
            throw EngineError(.inconsistentSummary, "summary for scenarios \(summary.scenarios) is not chunk \(index) of this job")
        }
        guard summary.accounts.count == merged.count else {
            throw EngineError(.inconsistentSummary, "summary has \(summary.accounts.count) accounts, the job \(merged.count)")
        }
        guard floors == nil || floors?.count == merged.count else {
            throw EngineError(.inconsistentSummary, "\(floors?.count ?? 0) floors for \(merged.count) accounts")
        }
        var scratch = SummaryCheck.Scratch()
        for (account, part) in summary.accounts.enumerated() {
            do throws(EngineError) {
                try SummaryCheck.check(part, scenarios: summary.scenarios, layout: merged[account].histogram.layout,
                                       tailCapacity: tailCapacity, floor: floors?[account] ?? -.infinity, scratch: &scratch)
            } catch {
                throw EngineError(.inconsistentSummary, "summary of chunk \(index), account \(account): \(error.message)")
            }
        }
    }

    public var isComplete: Bool { mergedChunks.count == plan.chunkCount }

    /// How many of loss row `row`'s admitted entries wait to be merged into its tail.
    public func pendingEntries(row: Int) -> Int {
        row >= 0 && row < pending.count ? pending[row].count : 0
    }
}
