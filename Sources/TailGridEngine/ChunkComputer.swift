import TailGridNumerics

/// Computes chunk summaries of one plan. Not thread-safe: each thread owns one, with its
/// own tile workspace.
public final class ChunkComputer {
    public let plan: EnginePlan
    let rows: TileRows
    /// The most histogram bins of a loss row: the block scratch space's size.
    let binCount: Int

    public init(plan: EnginePlan) {
        self.plan = plan
        self.rows = TileRows(plan: plan)
        self.binCount = plan.histogramLayouts.map(\.binCount).max() ?? 0
    }

    /// The summary of the scenarios in `range`, one per loss row (each account, and each
    /// account under each dependence stress: `EnginePlan.lossRowCount`). `floors`, one per
    /// row, is the loss
    /// below which a tail entry cannot matter any more (the coordinator's running
    /// threshold); counts, sums and histograms still cover every scenario.
    public func summarize(_ range: Range<UInt64>, floors: [Double]? = nil) -> ChunkSummary {
        let accounts = rows.count
        precondition(floors == nil || floors!.count == accounts)
        let capacity = Swift.max(1, Swift.min(plan.tailCapacity, range.count))
        var accumulators = (0..<accounts).map {
            LossAccumulator(histogramLayout: plan.histogramLayouts[$0], tailCapacity: capacity,
                            floor: floors?[$0] ?? -.infinity)
        }
        LossBlock.withScratch(binCount: binCount) { scratch in
            forEachTile(in: range) { first, count, offset in
                accumulators.withUnsafeMutableBufferPointer { accumulators in
                    for account in 0..<accounts {
                        if account &+ 2 < accounts { CacheHint.prefetch(accumulators.baseAddress! + (account &+ 2)) }
                        accumulators[account].add(negatedProfits: rows.profits(account) + offset, count: count,
                                                  firstScenario: first, scratch: scratch)
                    }
                }
            }
        }
        let summaries = (0..<accounts).map { accumulators[$0].takeSummary() }
        return ChunkSummary(scenarios: range, accounts: summaries)
    }

    /// Adds the losses of the scenarios in `range` to `moments` (this thread's, one per
    /// loss row) and hands each row's tail candidates (the losses reaching the row's bar
    /// in `held`) to `held`, which offers them to the run's shared tails in batches.
    func accumulate(_ range: Range<UInt64>, into moments: UnsafeMutableBufferPointer<LossMoments>,
                    held: HeldCandidates) {
        precondition(moments.count == rows.count && held.rowCount == rows.count)
        var held = held
        LossBlock.withScratch(binCount: binCount) { scratch in
            forEachTile(in: range) { first, count, offset in
                for row in 0..<rows.count {
                    held.row = row
                    // The state of the row after next (its moments and where its next
                    // candidate goes), so that it is in cache when its turn comes; and the
                    // next row's histogram counts, whose address its moments, asked for a
                    // row ago, now give.
                    if row &+ 2 < moments.count { CacheHint.prefetch(moments.baseAddress! + (row &+ 2)) }
                    if row &+ 1 < moments.count { moments[row &+ 1].prefetchSlotCounts() }
                    held.prefetch(row: row &+ 2)
                    moments[row].add(negatedProfits: rows.profits(row) + offset, count: count, firstScenario: first,
                                     scratch: scratch, offeringTo: &held)
                }
            }
        }
    }

    /// Evaluates each tile that overlaps `range` and calls `body` with the part of it
    /// inside the range: its first scenario, how many, and their offset in the tile's rows.
    private func forEachTile(in range: Range<UInt64>, _ body: (_ first: UInt64, _ count: Int, _ offset: Int) -> Void) {
        let width = UInt64(ScenarioTile.size)
        var tileStart = range.isEmpty ? range.upperBound : ScenarioTile.start(of: range.lowerBound)
        while tileStart < range.upperBound {
            rows.evaluate(tileStart: tileStart)
            let first = Swift.max(tileStart, range.lowerBound)
            let end = Swift.min(tileStart + width, range.upperBound)
            body(first, Int(end - first), Int(first - tileStart))
            tileStart += width
        }
    }
}
