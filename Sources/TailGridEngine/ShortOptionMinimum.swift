import TailGridMarket

/// The least margin a short option needs however far out of the money it is
/// (`margin.short_option_minimum`), Deribit's standard rule per contract:
///
///     minimum = sum over net short options |q| max(a - OTM / S, b) S
///
/// with OTM = max(K - S, 0) for a call and max(S - K, 0) for a put, S the underlying's
/// spot now, q the account's net quantity of the option (coins), and (a, b) the
/// underlying's parameters. Deep out-of-the-money short options, which a
/// scenario-based margin prices as nearly riskless, still need b S a contract.
public struct ShortOptionMinimum: Sendable, Hashable {
    public struct Parameters: Sendable, Hashable {
        /// a: the requirement at the money, as a fraction of spot.
        public let atTheMoney: Double
        /// b: the floor, as a fraction of spot.
        public let floor: Double

        public init(atTheMoney: Double, floor: Double) {
            self.atTheMoney = atTheMoney
            self.floor = floor
        }

        /// Deribit's: a = 0.15, b = 0.10.
        public static let deribit = Parameters(atTheMoney: 0.15, floor: 0.10)
    }

    public let defaults: Parameters
    /// Parameters of particular underlyings, by symbol.
    public let perUnderlying: [String: Parameters]

    public init(defaults: Parameters = .deribit, perUnderlying: [String: Parameters] = [:]) {
        self.defaults = defaults
        self.perUnderlying = perUnderlying
    }

    /// The minimum for one account's positions, USD: the options' minimums summed by name,
    /// so the sum's rounding does not depend on a dictionary's order.
    public func requirement(for account: Account, market: MarketData) -> Double {
        optionMinimums(for: account, market: market).sorted { $0.key < $1.key }.reduce(0) { $0 + $1.value.minimum }
    }

    /// Per option the account is net short of, by name: its net quantity q < 0 and its
    /// minimum |q| max(a - OTM / S, b) S, USD. Positions in one option net first.
    public func optionMinimums(for account: Account, market: MarketData) -> [String: (net: Double, minimum: Double)] {
        var net: [String: (instrument: Instrument, quantity: Double)] = [:]
        for position in account.positions {
            guard case .option = position.instrument.kind else { continue }
            net[position.instrument.name, default: (position.instrument, 0)].quantity += position.quantity
        }
        var minimums: [String: (net: Double, minimum: Double)] = [:]
        for (name, (instrument, quantity)) in net {
            guard quantity < 0, case .option(_, let strike, let right, _) = instrument.kind,
                  let spot = market.underlying(instrument.underlying)?.spot else { continue }
            minimums[name] = (quantity, -quantity * perContract(strike: strike, right: right, spot: spot,
                                                                parameters: perUnderlying[instrument.underlying] ?? defaults))
        }
        return minimums
    }

    /// max(a - OTM / S, b) S for one contract on one coin.
    public func perContract(strike: Double, right: Instrument.Right, spot: Double, parameters: Parameters) -> Double {
        let outOfTheMoney = Swift.max(right == .call ? strike - spot : spot - strike, 0)
        return Swift.max(parameters.atTheMoney - outOfTheMoney / spot, parameters.floor) * spot
    }
}
