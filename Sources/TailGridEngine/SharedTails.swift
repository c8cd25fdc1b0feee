import Synchronization
import TailGridNumerics

/// Every loss row's tail in a local run, shared by the run's threads.
///
/// A thread offers a batch of candidates for a row under the row's lock (one of
/// `stripeCount`, by row) and keeps the row's admission loss to filter what follows
/// without the lock (`HeldCandidates`): the shared bar only rises, so a stale copy lets
/// more through, never less. What is kept is the top k of every loss offered under a total order
/// (`TailLoss.ranksBefore`), so it is the same whatever the threads' timing, and the same
/// as chunk tails merged by a `SummaryMerger`.
///
/// Memory: one buffer of k + slack entries per row, taken whole at the row's first
/// admission and handed over ranked at the end, never copied: 18 KB a row at k = 1,010
/// (slack k/8), 364 MB for 20,000 rows; up to twice k a row where the rows are few
/// (`slack(capacity:rows:)`). Chunk tails merged by a `SummaryMerger` held
/// the merged tails (16 KB a row) and, besides, the tails of every chunk in flight (about
/// 4.4 KB a row each on the large book).
final class SharedTails: @unchecked Sendable {
    /// One lock; a class so that an array can hold it.
    final class Stripe: Sendable {
        let lock = Mutex(())
    }

    /// Locks rows share (row mod count): two threads rarely want one at the same moment.
    static let stripeCount = 64

    let rowCount: Int
    /// Selectors, each touched only under its row's stripe lock (hence `@unchecked`).
    private let selectors: UnsafeMutablePointer<TailSelector>
    private let stripes: [Stripe]

    /// The tails of `plan`'s loss rows, each admitting from its floor in `floors` (nil:
    /// none).
    convenience init(plan: EnginePlan, floors: [Double]?) {
        let capacity = Self.capacity(for: plan)
        self.init(rows: plan.lossRowCount, capacity: capacity, slack: Self.slack(capacity: capacity, rows: plan.lossRowCount),
                  floors: floors)
    }

    /// Tails of `capacity` and `slack` for `rows` loss rows, each admitting from its floor in
    /// `floors` (nil: none).
    init(rows: Int, capacity: Int, slack: Int, floors: [Double]?) {
        precondition(floors == nil || floors?.count == rows, "one floor per row")
        rowCount = rows
        selectors = .allocate(capacity: Swift.max(1, rows))
        for row in 0..<rows {
            (selectors + row).initialize(to: TailSelector(capacity: capacity, floor: floors?[row] ?? -.infinity,
                                                          slack: slack, reservesAtOnce: true))
        }
        stripes = (0..<Self.stripeCount).map { _ in Stripe() }
    }

    /// A row's tail length for `plan`: k, or every scenario when there are fewer.
    static func capacity(for plan: EnginePlan) -> Int {
        Swift.max(1, Swift.min(plan.tailCapacity, plan.job.scenarios))
    }

    /// The room a row's buffer has beyond its capacity: k/8 (at least 64), or up to k while
    /// all the rows' buffers stay within `roomyBytes`. A full buffer is cut back to k at a
    /// cost of k + slack, once every slack admissions, so the cuts cost (k + slack) / slack
    /// per admitted loss: 9 at k/8, 2 at k. On the 2,000-account book the cuts took about
    /// 5% of the samples with slack k/8 (36 MB of tails), under 2% with slack k (65 MB;
    /// the run's peak 96 -> 125 MB). A book of 20,000 accounts keeps k/8, for the memory.
    static func slack(capacity: Int, rows: Int) -> Int {
        let least = Swift.max(64, capacity / 8)
        let affordable = roomyBytes / (Swift.max(1, rows) * MemoryLayout<TailLoss>.stride) - capacity
        return Swift.max(least, Swift.min(capacity, affordable))
    }

    /// The shared tails' bytes up to which a row's slack may grow past k/8.
    static let roomyBytes = 64 << 20

    /// The bytes `plan`'s shared tails take once every row has admitted a loss.
    static func bytes(for plan: EnginePlan) -> Int {
        let capacity = capacity(for: plan)
        let slack = slack(capacity: capacity, rows: plan.lossRowCount)
        return plan.lossRowCount * (capacity + slack) * MemoryLayout<TailLoss>.stride
    }

    deinit {
        selectors.deinitialize(count: rowCount)
        selectors.deallocate()
    }

    /// Offers `count` candidates for `row`; returns the row's admission loss after them.
    func offer(row: Int, _ candidates: UnsafePointer<TailLoss>, count: Int) -> Double {
        let selector = selectors + row
        return stripes[row % Self.stripeCount].lock.withLock { _ in
            for index in 0..<count {
                selector.pointee.offer(loss: candidates[index].loss, scenario: candidates[index].scenario)
            }
            return selector.pointee.admissionLoss
        }
    }

    /// Raises each row's floor to its entry in `floors` where that is higher.
    func raiseFloors(_ floors: [Double]) {
        precondition(floors.count == rowCount, "one floor per row")
        for row in 0..<rowCount {
            stripes[row % Self.stripeCount].lock.withLock { _ in selectors[row].raiseFloor(to: floors[row]) }
        }
    }

    /// Each row's `rank`-th kept loss, largest first (nil where fewer are kept), the rows
    /// shared among `threads` as in `takeRankedTails`.
    func keptLosses(ranked rank: Int, threads: Int) -> [Double?] {
        EngineThreads.map(rowCount, threads: threads, inBlocksOf: Self.rowsPerTake) { row in
            self.stripes[row % Self.stripeCount].lock.withLock { _ in self.selectors[row].keptLoss(ranked: rank) }
        }
    }

    /// Each row's tail, ranked largest first, in the buffer it was kept in; the selectors
    /// are left empty. For when every thread is done. On `threads` threads, which take
    /// rows `rowsPerTake` at a time: ranking a row's tail (a selection and a sort of k
    /// entries) has no order between rows, and on one thread it left the other cores idle
    /// at the end of every run (a tenth of the 2,000-account book's wall time).
    func takeRankedTails(threads: Int) -> [[TailLoss]] {
        EngineThreads.map(rowCount, threads: threads, inBlocksOf: Self.rowsPerTake, takeRankedTail(row:))
    }

    static let rowsPerTake = 32

    private func takeRankedTail(row: Int) -> [TailLoss] {
        stripes[row % Self.stripeCount].lock.withLock { _ in selectors[row].takeRankedTailInPlace() }
    }
}
