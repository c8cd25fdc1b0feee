/// The one pass over a block of losses that `LossMoments` makes before anything is
/// summed or counted: branch-free, so the compiler vectorises it (4 losses per AVX2
/// instruction on the kernel build).
public enum LossBlock {
    /// The most losses in one block.
    public static let size = 256

    /// A block's histogram slots are counted in this many copies on the stack
    /// (`LossMoments.add(negatedProfits:count:scratch:)`). A copy counts at most 64 losses,
    /// so 16 bits hold it.
    @usableFromInline static let countCopies = 4

    /// Working space for one block, on the stack of whoever calls `withScratch`.
    public struct Scratch {
        @usableFromInline let losses: UnsafeMutablePointer<Double>
        @usableFromInline let squares: UnsafeMutablePointer<Double>
        @usableFromInline let slots: UnsafeMutablePointer<Int>
        @usableFromInline let blockCounts: UnsafeMutablePointer<UInt16>

        @usableFromInline
        init(losses: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>, slots: UnsafeMutablePointer<Int>,
             blockCounts: UnsafeMutablePointer<UInt16>) {
            self.losses = losses
            self.squares = squares
            self.slots = slots
            self.blockCounts = blockCounts
        }
    }

    /// Calls `body` with scratch space for blocks of losses binned in at most `binCount`
    /// bins.
    @inlinable
    public static func withScratch<Result>(binCount: Int, _ body: (Scratch) -> Result) -> Result {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * size) { values in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: size) { slots in
                withUnsafeTemporaryAllocation(of: UInt16.self, capacity: countCopies * (binCount + 2)) { counts in
                    body(Scratch(losses: values.baseAddress!, squares: values.baseAddress! + size,
                                 slots: slots.baseAddress!, blockCounts: counts.baseAddress!))
                }
            }
        }
    }

    /// Calls `body` with each index below `count` whose loss -profits[index] reaches
    /// `bar`, in order, comparing 8 at a time: at a tail's bar (about 1% of losses) most
    /// groups of 8 hold none, and one vector comparison dismisses them where a loop paid a
    /// compare and a branch per loss (a quarter of the per-loss time on the 2,000-account
    /// book). -p >= bar exactly when p <= -bar (negation is exact); a NaN reaches no bar.
    /// (The profits, not the block's losses: the exact sums take those apart.)
    @inlinable
    public static func forEachLoss(reaching bar: Double, negatedProfits profits: UnsafePointer<Double>, count: Int,
                                   _ body: (Int) -> Void) {
        let limit = -bar
        let limits = SIMD8<Double>(repeating: limit)
        var index = 0
        while index &+ 8 <= count {
            let reaching = UnsafeRawPointer(profits + index).loadUnaligned(as: SIMD8<Double>.self) .<= limits
            if any(reaching) {
                // The lanes again from memory: reading them from the mask made the compiler
                // take every lane out of the vector before the test (a sixth of the loop).
                for lane in 0..<8 where profits[index &+ lane] <= limit { body(index &+ lane) }
            }
            index &+= 8
        }
        while index < count {
            if profits[index] <= limit { body(index) }
            index &+= 1
        }
    }

    /// Writes loss = -profit and loss^2 of each of the `count` profits to `losses` and
    /// `squares`, and the loss's histogram slot (`LossHistogram.Layout.slot(of:)`) to
    /// `slots`; returns the largest biased exponent of the losses (0x7FF when one is NaN
    /// or infinite) and of the squares, which choose `ExactSum`'s path.
    @usableFromInline
    static func prepare(negatedProfits profits: UnsafePointer<Double>, count: Int, layout: LossHistogram.Layout,
                        losses: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>,
                        slots: UnsafeMutablePointer<Int>) -> (highestLoss: Int, highestSquare: Int) {
        var highestLoss: Int64 = 0
        var highestSquare: Int64 = 0
        for index in 0..<count {
            let loss = -profits[index]
            let square = loss * loss
            losses[index] = loss
            squares[index] = square
            let lossExponent = Int64(bitPattern: loss.bitPattern >> 52) & 0x7FF
            let squareExponent = Int64(bitPattern: square.bitPattern >> 52) & 0x7FF
            highestLoss = lossExponent > highestLoss ? lossExponent : highestLoss
            highestSquare = squareExponent > highestSquare ? squareExponent : highestSquare
            slots[index] = layout.slot(of: loss)
        }
        return (Int(highestLoss), Int(highestSquare))
    }
}
