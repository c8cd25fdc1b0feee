/// The one pass over a block of losses that `LossAccumulator` makes before anything is
/// summed or counted: branch-free, so the compiler vectorises it (4 losses per AVX2
/// instruction on the kernel build).
@usableFromInline
enum LossBlock {
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
