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
        let lower = layout.lower
        let upper = layout.upper
        let binsPerUnit = layout.binsPerUnit
        let bins = Double(layout.binCount)
        let lastBin = Double(layout.binCount - 1)
        let overflow = Double(layout.binCount + 1)
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
            // `Layout.slot(of:)`, written out with locals.
            let offset = (loss - lower) * binsPerUnit
            var position = offset < bins ? offset : lastBin
            position = loss < lower ? bins : position
            position = loss < upper ? position : overflow
            let shifted = position + 0x1p52
            let nearest = Int(truncatingIfNeeded: shifted.bitPattern & 0xF_FFFF_FFFF_FFFF)
            slots[index] = nearest &- (shifted - 0x1p52 > position ? 1 : 0)
        }
        return (Int(highestLoss), Int(highestSquare))
    }
}
