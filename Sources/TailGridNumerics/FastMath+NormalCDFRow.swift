extension FastMath {
    /// Phi(x) of `count` values in place, the bits of `normalCDF(_:)`, 8 at a time.
    ///
    /// A group of 8 whose arguments of erfc lie in one of Cody's intervals (|x| / sqrt 2 up
    /// to 0.46875, up to 4, beyond) takes that interval's rational (and exp) alone, where
    /// the branch-free form computes all three; Black-76's d1 and d2 across one option's
    /// scenarios move little, so most groups do. The values of the other groups are packed
    /// by interval (branch-free, up to `PhiRow.size` values at a time), each interval's
    /// values evaluated 8 at a time, and put back: a lane near zero, the cheapest rational,
    /// no longer waits on the exp and rational of a neighbour in the middle interval. On the
    /// quick start's options 63% of the groups span two intervals, on the medium book 45%.
    /// Each group's interval test is one 8-wide comparison; each interval's loop runs over
    /// a constant 8 lanes, so it is straight-line vector code. A NaN lies in no interval
    /// and goes through the general form alone.
    @inlinable
    public static func normalCDF(_ values: UnsafeMutablePointer<Double>, count: Int) {
        let fullGroups = count & ~7
        if fullGroups > 0 {
            withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * PhiRow.capacity) { packedValues in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 4 * PhiRow.size) { packedPlaces in
                    let row = PhiRow(values: packedValues.baseAddress!, places: packedPlaces.baseAddress!)
                    var start = 0
                    while start < fullGroups {
                        let n = Swift.min(PhiRow.size, fullGroups &- start)
                        row.evaluate(values + start, count: n)
                        start &+= n
                    }
                }
            }
        }
        for index in fullGroups..<count { values[index] = normalCDF(values[index]) }
    }
}

/// The scratch of `FastMath.normalCDF(_:count:)` for one row of at most `size` values (a
/// multiple of 8): per interval of erfc, the packed values of the groups that span
/// intervals and their places in the row; the places of NaNs.
@usableFromInline
struct PhiRow {
    /// Values a row holds at most: a tile of scenarios.
    @usableFromInline static let size = 256
    /// Each interval's packed values, room for padding the last group of 8.
    @usableFromInline static let capacity = size + 8
    @usableFromInline static let scale = 0.70710678118654752440

    @usableFromInline let values: UnsafeMutablePointer<Double>
    @usableFromInline let places: UnsafeMutablePointer<Int>

    @inlinable
    init(values: UnsafeMutablePointer<Double>, places: UnsafeMutablePointer<Int>) {
        self.values = values
        self.places = places
    }

    /// Phi of `row[0..<n]` in place, n a multiple of 8 up to `size`.
    @inlinable
    func evaluate(_ row: UnsafeMutablePointer<Double>, count n: Int) {
        let scale = Self.scale
        let near = values, middle = values + Self.capacity, tail = values + 2 &* Self.capacity
        let nearPlaces = places, middlePlaces = places + Self.size
        let tailPlaces = places + 2 &* Self.size, otherPlaces = places + 3 &* Self.size
        var nearCount = 0, middleCount = 0, tailCount = 0, otherCount = 0
        var start = 0
        while start < n {
            let group = row + start
            let scaled = UnsafeRawPointer(group).loadUnaligned(as: SIMD8<Double>.self) * scale
            let y = scaled.replacing(with: -scaled, where: scaled .< 0)
            let isNear = y .<= 0.46875
            let isTail = y .> 4
            let isMiddle = (y .> 0.46875) .& (y .<= 4)
            if all(isNear) {
                for index in 0..<8 { group[index] = 0.5 * FastMath.erfcNearZero(-group[index] * scale) }
            } else if all(isMiddle) {
                for index in 0..<8 { group[index] = 0.5 * FastMath.erfcMiddle(-group[index] * scale) }
            } else if all(isTail) {
                for index in 0..<8 { group[index] = 0.5 * FastMath.erfcTail(-group[index] * scale) }
            } else {
                // Every lane is written to each list; only its own interval's count moves.
                // Scalar comparisons per lane: a vector mask's lanes read one by one went
                // through the stack.
                for index in 0..<8 {
                    let x = group[index]
                    let y = Swift.abs(x * scale)
                    let place = start &+ index
                    let nearStep = y <= 0.46875 ? 1 : 0
                    let tailStep = y > 4 ? 1 : 0
                    let otherStep = y.isNaN ? 1 : 0
                    near[nearCount] = x
                    nearPlaces[nearCount] = place
                    nearCount &+= nearStep
                    middle[middleCount] = x
                    middlePlaces[middleCount] = place
                    middleCount &+= 1 &- nearStep &- tailStep &- otherStep
                    tail[tailCount] = x
                    tailPlaces[tailCount] = place
                    tailCount &+= tailStep
                    otherPlaces[otherCount] = place
                    otherCount &+= otherStep
                }
            }
            start &+= 8
        }
        // Each interval's packed values, padded to whole groups with a value of the interval.
        // Written out per interval: one helper taking the interval's erfc as a closure
        // compiled to slower code (Phi 31% -> 38% of the 10M job's samples).
        Self.pad(near, count: nearCount, with: 0)
        var packed = 0
        while packed < nearCount {
            let group = near + packed
            for index in 0..<8 { group[index] = 0.5 * FastMath.erfcNearZero(-group[index] * scale) }
            packed &+= 8
        }
        Self.pad(middle, count: middleCount, with: 1)
        packed = 0
        while packed < middleCount {
            let group = middle + packed
            for index in 0..<8 { group[index] = 0.5 * FastMath.erfcMiddle(-group[index] * scale) }
            packed &+= 8
        }
        Self.pad(tail, count: tailCount, with: 10)
        packed = 0
        while packed < tailCount {
            let group = tail + packed
            for index in 0..<8 { group[index] = 0.5 * FastMath.erfcTail(-group[index] * scale) }
            packed &+= 8
        }
        for index in 0..<nearCount { row[nearPlaces[index]] = near[index] }
        for index in 0..<middleCount { row[middlePlaces[index]] = middle[index] }
        for index in 0..<tailCount { row[tailPlaces[index]] = tail[index] }
        for index in 0..<otherCount { row[otherPlaces[index]] = FastMath.normalCDF(row[otherPlaces[index]]) }
    }

    /// Fills `values[count...]` up to the next multiple of 8 with `value`.
    @inlinable @inline(__always)
    static func pad(_ values: UnsafeMutablePointer<Double>, count: Int, with value: Double) {
        var index = count
        while index & 7 != 0 {
            values[index] = value
            index &+= 1
        }
    }
}
