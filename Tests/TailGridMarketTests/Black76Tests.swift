import Foundation
import Testing
import TailGridMarket

@Suite("Black-76 against published values")
struct Black76Tests {
    struct Case: Sendable, CustomStringConvertible {
        let source: String
        let spot: Double
        let strike: Double
        let time: Double
        let rate: Double
        let carry: Double
        let vol: Double
        let right: Instrument.Right
        let expected: Double
        let tolerance: Double
        var description: String { source }
    }

    /// Haug, "The Complete Guide to Option Pricing Formulas" (2nd ed.): values printed to
    /// 4 decimals, so each row allows half a unit of the last printed digit. Black-76 rows
    /// have carry 0 (F = S). Hull's textbook example is printed to 2 decimals.
    static let cases: [Case] = [
        Case(source: "Haug 1.1.1 generalised BSM call", spot: 60, strike: 65, time: 0.25, rate: 0.08, carry: 0.08,
             vol: 0.30, right: .call, expected: 2.1334, tolerance: 5e-5),
        Case(source: "Haug 1.1.2 Black-76 call", spot: 19, strike: 19, time: 0.75, rate: 0.10, carry: 0,
             vol: 0.28, right: .call, expected: 1.7011, tolerance: 5e-5),
        Case(source: "Haug 1.1.2 Black-76 put", spot: 19, strike: 19, time: 0.75, rate: 0.10, carry: 0,
             vol: 0.28, right: .put, expected: 1.7011, tolerance: 5e-5),
        Case(source: "Haug 1.1.6 generalised BSM put", spot: 75, strike: 70, time: 0.5, rate: 0.10, carry: 0.05,
             vol: 0.35, right: .put, expected: 4.0870, tolerance: 5e-5),
        Case(source: "Haug 1.1.4 Merton (index, q = 0.05) put", spot: 100, strike: 95, time: 0.5, rate: 0.10,
             carry: 0.05, vol: 0.20, right: .put, expected: 2.4648, tolerance: 5e-5),
        Case(source: "Hull, Options Futures and Other Derivatives, ex. 15.6 call", spot: 42, strike: 40, time: 0.5,
             rate: 0.10, carry: 0.10, vol: 0.20, right: .call, expected: 4.76, tolerance: 0.005),
        Case(source: "Hull ex. 15.6 put", spot: 42, strike: 40, time: 0.5, rate: 0.10, carry: 0.10, vol: 0.20,
             right: .put, expected: 0.81, tolerance: 0.005),
    ]

    @Test(arguments: cases)
    func publishedValue(_ row: Case) {
        let forward = row.spot * exp(row.carry * row.time)
        let price = Black76.price(forward: forward, strike: row.strike, time: row.time, volatility: row.vol,
                                  discount: exp(-row.rate * row.time), right: row.right)
        #expect(abs(price - row.expected) <= row.tolerance, "\(row.source): \(price) vs \(row.expected)")
    }

    /// C - P = D (F - K) on 2,000 seeded random inputs, to 1e-10 of the forward.
    /// Haug, "The Complete Guide to Option Pricing Formulas" (2nd ed.), the delta example
    /// of a futures option: F = 105, K = 100, T = 0.5, r = 10%, sigma = 36% gives call
    /// delta 0.5946 and put delta -0.3566 (four decimals, as printed).
    @Test func forwardDeltaMatchesHaug() {
        let discount = exp(-0.1 * 0.5)
        let call = Black76.forwardDelta(forward: 105, strike: 100, time: 0.5, volatility: 0.36, discount: discount, right: .call)
        let put = Black76.forwardDelta(forward: 105, strike: 100, time: 0.5, volatility: 0.36, discount: discount, right: .put)
        #expect(abs(call - 0.5946) < 5e-5, "\(call)")
        #expect(abs(put + 0.3566) < 5e-5, "\(put)")
        #expect(abs(call - put - discount) < 1e-15, "call - put delta is the discount factor")
    }

    @Test func putCallParity() {
        var state: UInt64 = 0x5EED
        func unit() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) * 0x1p-53
        }
        for _ in 0..<2000 {
            let forward = 10 + 100_000 * unit()
            let strike = forward * (0.3 + 1.4 * unit())
            let time = 0.001 + 3 * unit()
            let vol = 0.05 + 2 * unit()
            let discount = exp(-0.1 * unit() * time)
            let call = Black76.price(forward: forward, strike: strike, time: time, volatility: vol, discount: discount, right: .call)
            let put = Black76.price(forward: forward, strike: strike, time: time, volatility: vol, discount: discount, right: .put)
            #expect(abs((call - put) - discount * (forward - strike)) <= 1e-10 * forward)
            #expect(call >= max(0, discount * (forward - strike)) - 1e-9 * forward)
        }
    }

    @Test func expiredOptionIsIntrinsic() {
        #expect(Black76.price(forward: 110, strike: 100, time: 0, volatility: 0.5, discount: 1, right: .call) == 10)
        #expect(Black76.price(forward: 110, strike: 100, time: 0, volatility: 0.5, discount: 1, right: .put) == 0)
    }
}
