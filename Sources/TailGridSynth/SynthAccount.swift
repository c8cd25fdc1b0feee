import Foundation

/// One synthetic account: strategies drawn until it holds `target` positions (at most a
/// few tries more; positions in the same instrument add up, and a sum of zero is
/// dropped), its coin collateral (the coins its covered calls are written against, and
/// sometimes BTC or ETH besides), and USD collateral of 5% to 60% of its gross notional,
/// so some accounts are short of margin and some have plenty.
struct SynthAccount {
    /// Instruments and quantities, in the order first traded.
    private(set) var positions: [(instrument: String, quantity: Double)] = []
    /// USD first, then coins by name.
    private(set) var collateral: [(asset: String, amount: Double)] = []

    init(universe: SynthUniverse, target: Int, random: inout SynthRandom) {
        var held: [String: Double] = [:]
        var order: [String] = []
        var coins: [String: Double] = [:]
        var notional = 0.0
        func add(_ instrument: String, _ quantity: Double) {
            if held[instrument] == nil { order.append(instrument) }
            held[instrument, default: 0] += quantity
        }
        let chains = universe.chains
        // BTC and ETH books are the deepest: they draw more of the strategies.
        let weights = chains.map { $0.coin.inverse ? 3.0 : 1.0 }
        let strategies = SynthStrategy.allCases
        var tries = 0
        while order.count(where: { held[$0] != 0 }) < target && tries < 4 * target + 8 {
            tries += 1
            let chain = chains[random.pick(weights: weights)]
            let coin = chain.coin
            let strategy = strategies[random.pick(weights: strategies.map(\.weight))]
            let expiryIndex = random.below(chain.expiries.count)
            let expiry = chain.expiries[expiryIndex]
            let size = random.logUniform(20_000, 2_000_000)
            notional += size
            let contracts = Self.contracts(size / coin.spot, coin: coin)
            // The strike nearest the forward, and one out of the money on each side, drawn
            // over the whole wing (open interest spreads across a venue's chain); a third
            // of the time anywhere on the chain, as options traded out of the money drift
            // into it.
            let forward = coin.spot * exp(coin.carry * expiry.days / 365)
            let strikes = expiry.strikes
            let atm = strikes.indices.min { abs(strikes[$0] - forward) < abs(strikes[$1] - forward) } ?? 0
            let drifted = random.below(3) == 0
            let above = drifted ? random.below(strikes.count)
                : atm + 1 < strikes.count ? atm + 1 + random.below(strikes.count - atm - 1) : atm
            let below = drifted ? random.below(strikes.count) : atm > 0 ? random.below(atm) : atm
            func option(_ index: Int, call: Bool) -> String { SynthUniverse.option(coin, expiry.name, strikes[index], call: call) }
            func linear() -> String {
                random.below(3) == 0 ? SynthUniverse.perpetual(coin) : SynthUniverse.future(coin, expiry.name)
            }
            // Inverse contracts count USD of notional, linear ones coins.
            func futureQuantity(_ sign: Double) -> Double {
                coin.inverse ? sign * max(10, (size / 10).rounded() * 10) : sign * contracts
            }
            switch strategy {
            case .coveredCall:
                add(option(above, call: true), -contracts)
                coins[coin.symbol, default: 0] += contracts
            case .shortStrangle:
                add(option(below, call: false), -contracts)
                add(option(above, call: true), -contracts)
            case .riskReversal:
                add(option(above, call: true), contracts)
                add(option(below, call: false), -contracts)
            case .calendar:
                guard chain.expiries.count > 1 else { fallthrough }
                let far = chain.expiries[min(chain.expiries.count - 1, expiryIndex + 1 + random.below(chain.expiries.count))]
                let strike = far.strikes.min { abs($0 - strikes[atm]) < abs($1 - strikes[atm]) } ?? strikes[atm]
                add(option(atm, call: true), -contracts)
                add(SynthUniverse.option(coin, far.name, strike, call: true), contracts)
            case .longStraddle:
                add(option(atm, call: true), contracts)
                add(option(atm, call: false), contracts)
            case .protectivePut:
                add(linear(), futureQuantity(1))
                add(option(below, call: false), contracts)
            case .nakedFuture:
                add(linear(), futureQuantity(random.below(2) == 0 ? 1 : -1))
            case .callSpread:
                add(option(atm, call: true), contracts)
                add(option(above, call: true), -contracts)
            }
        }
        positions = order.compactMap { instrument in
            guard let quantity = held[instrument], quantity != 0 else { return nil }
            return (instrument, SynthUniverse.tidy(quantity))
        }
        positions = Array(positions.prefix(target))
        // Sometimes BTC or ETH besides, as members post them.
        if random.below(3) == 0, let major = chains.first(where: { $0.coin.inverse })?.coin {
            coins[major.symbol, default: 0] += Self.contracts(random.logUniform(10_000, 500_000) / major.spot, coin: major)
        }
        let usd = max(1_000, (notional * (0.05 + 0.55 * random.unit()) / 1_000).rounded() * 1_000)
        collateral = [("USD", usd)] + coins.keys.sorted().map { ($0, SynthUniverse.tidy(coins[$0, default: 0])) }
    }

    /// A coin amount rounded to a lot a venue would take: 0.1 BTC, 1 ETH-sized coin, ...;
    /// at least one lot.
    static func contracts(_ coins: Double, coin: SynthCoin) -> Double {
        let lot: Double = coin.spot >= 10_000 ? 0.1 : coin.spot >= 100 ? 1 : coin.spot >= 1 ? 10 : 100
        return SynthUniverse.tidy(max(lot, (coins / lot).rounded() * lot))
    }
}
