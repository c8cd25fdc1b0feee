import Foundation

/// The rank of a speculative floor: the smallest r with P(X >= r) <= bound, for X the
/// number of m scenarios (chosen without looking at their losses) among the K = k - 1 a
/// job of N scenarios has strictly above its k-th largest loss. X is hypergeometric
/// (N, K, m): P(X = x) = C(K, x) C(N - K, m - x) / C(N, m).
///
/// Chernoff's bound on the binomial, which Hoeffding (1963) showed bounds the
/// hypergeometric, P(X >= r) <= e^-mu (e mu / r)^r with mu = m k / N, gives a rank r_c
/// that is safe; the exact tail then lowers it: summed from r_c up until its terms
/// vanish, and down, a term at a time, while it stays within the bound (with a margin of
/// 1e-6 of the bound for the sums' rounding). The exact rank is 5-12% lower than r_c for
/// the sizes of real jobs (for m = 8,192 of 100,000 and k = 1,010: 154 against 163), so
/// every speculative floor is that much closer to the k-th largest loss.
extension PilotFloors {
    /// The rank r for m of the job's n scenarios and a tail of k, so that P(X >= r) is at
    /// most `bound`; nil when no rank within the m meets it. Any m scenarios chosen without
    /// looking at their losses will do: the pilot's, and the chunks a merge has merged.
    public static func floorRank(pilot m: Int, scenarios n: Int, tailCapacity k: Int,
                                 bound: Double = failureBound) -> Int? {
        guard let safe = chernoffRank(m: m, n: n, k: k, bound: bound) else { return nil }
        let successes = Swift.min(k - 1, n)
        guard successes > 0 else { return safe }
        // P(X = x) from P(X = x - 1) and back:
        // p(x + 1) / p(x) = (K - x)(m - x) / ((x + 1)(N - K - m + x + 1)).
        func upRatio(_ x: Int) -> Double {
            Double(successes - x) * Double(m - x) / (Double(x + 1) * Double(n - successes - m + x + 1))
        }
        let highest = Swift.min(successes, m)
        func logChoose(_ a: Int, _ b: Int) -> Double {
            lgamma(Double(a) + 1) - lgamma(Double(b) + 1) - lgamma(Double(a - b) + 1)
        }
        // From r_c, or from the most X can be when r_c lies above it (P(X >= that + 1)
        // is 0, a rank as safe as r_c).
        let start = Swift.min(safe, highest)
        let beyond = start < safe ? highest + 1 : safe
        let atStart = exp(logChoose(successes, start) + logChoose(n - successes, m - start) - logChoose(n, m))
        guard atStart > 0, atStart.isFinite else { return beyond }
        // P(X >= start): the terms fall faster than geometrically above the mode.
        var tail = 0.0
        var term = atStart
        var x = start
        while term > 0 {
            tail += term
            if term < tail * 1e-18 || x == highest { break }
            term *= upRatio(x)
            x += 1
        }
        let limit = bound * (1 - 1e-6)
        guard tail <= limit else { return beyond }
        // Down while P(X >= r - 1) stays within the bound.
        var rank = start
        term = atStart
        while rank > 1 {
            let below = upRatio(rank - 1)
            guard below > 0 else { break }
            term /= below
            guard tail + term <= limit else { break }
            tail += term
            rank -= 1
        }
        return rank
    }

    /// The rank Chernoff's bound gives: the smallest r above mu with
    /// e^-mu (e mu / r)^r <= bound, nil when none up to m does.
    static func chernoffRank(m: Int, n: Int, k: Int, bound: Double) -> Int? {
        guard m > 0, n > 0, k > 0, m < n, bound > 0, bound < 1 else { return nil }
        let mean = Double(m) * Double(k) / Double(n)
        let logBound = Foundation.log(bound)
        // Its log, -mu + r (1 + log(mu / r)), falls strictly in r above mu (its derivative
        // is log(mu / r)): bisection, in about log2(m) steps (a coordinator asks again after
        // every chunk it merges; a scan up from mu took thousands of logarithms each time
        // on a job of 10M scenarios).
        func meetsBound(_ rank: Int) -> Bool {
            let r = Double(rank)
            return -mean + r * (1 + Foundation.log(mean / r)) <= logBound
        }
        var low = Swift.max(1, Int(mean.rounded(.down)) + 1)
        var high = m
        guard low <= high, meetsBound(high) else { return nil }
        while low < high {
            let middle = low + (high - low) / 2
            if meetsBound(middle) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
