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
        // The last count mod 8 one by one, from a start the compiler knows is at most 7
        // from the end (a loop over all of a short row it vectorises, all of erfc's
        // intervals in every lane: 2.6 times as long for the one-scenario pricer).
        let fullGroups = count & ~7
        if fullGroups > 0 {
            RowScratch.withTemporary { normalCDF(values, count: fullGroups, scratch: $0) }
        }
        for index in fullGroups..<count { values[index] = normalCDF(values[index]) }
    }

    /// `normalCDF(_:count:)` in `scratch`'s rows, allocating nothing.
    @inlinable
    public static func normalCDF(_ values: UnsafeMutablePointer<Double>, count: Int, scratch: RowScratch) {
        let fullGroups = count & ~7
        let row = PhiRow(values: scratch.phiValues, places: scratch.phiPlaces)
        var start = 0
        while start < fullGroups {
            let n = Swift.min(PhiRow.size, fullGroups &- start)
            row.evaluate(values + start, count: n)
            start &+= n
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
        Self.phi(ofPacked: near, count: nearCount, NearZeroInterval.self)
        Self.phi(ofPacked: middle, count: middleCount, MiddleInterval.self)
        Self.phi(ofPacked: tail, count: tailCount, TailInterval.self)
        for index in 0..<nearCount { row[nearPlaces[index]] = near[index] }
        for index in 0..<middleCount { row[middlePlaces[index]] = middle[index] }
        for index in 0..<tailCount { row[tailPlaces[index]] = tail[index] }
        for index in 0..<otherCount { row[otherPlaces[index]] = FastMath.normalCDF(row[otherPlaces[index]]) }
    }

    /// Phi of one interval's packed values in place, 8 at a time, the last group padded
    /// with a value of the interval. The interval is a type, not a closure, so each call
    /// is specialised into straight-line vector code (a closure compiled to slower code:
    /// Phi 31% -> 38% of the 10M job's samples).
    @inlinable @inline(__always)
    static func phi<Interval: ErfcInterval>(ofPacked values: UnsafeMutablePointer<Double>, count: Int,
                                            _ interval: Interval.Type) {
        var index = count
        while index & 7 != 0 {
            values[index] = Interval.padding
            index &+= 1
        }
        var start = 0
        while start < count {
            let group = values + start
            for lane in 0..<8 { group[lane] = 0.5 * Interval.erfc(-group[lane] * scale) }
            start &+= 8
        }
    }
}

/// One of Cody's intervals of erfc, with its form of erfc there and a value inside it.
@usableFromInline
protocol ErfcInterval {
    static var padding: Double { get }
    static func erfc(_ x: Double) -> Double
}

/// |x| <= 0.46875.
@usableFromInline
enum NearZeroInterval: ErfcInterval {
    @inlinable @inline(__always) static var padding: Double { 0 }
    @inlinable @inline(__always) static func erfc(_ x: Double) -> Double { FastMath.erfcNearZero(x) }
}

/// 0.46875 < |x| <= 4.
@usableFromInline
enum MiddleInterval: ErfcInterval {
    @inlinable @inline(__always) static var padding: Double { 1 }
    @inlinable @inline(__always) static func erfc(_ x: Double) -> Double { FastMath.erfcMiddle(x) }
}

/// |x| > 4.
@usableFromInline
enum TailInterval: ErfcInterval {
    @inlinable @inline(__always) static var padding: Double { 10 }
    @inlinable @inline(__always) static func erfc(_ x: Double) -> Double { FastMath.erfcTail(x) }
}
