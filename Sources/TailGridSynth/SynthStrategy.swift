/// What a synthetic account trades, each as a venue's members do: the shapes a margin
/// engine must get right (short convexity, spreads that offset, hedges, calendars).
enum SynthStrategy: CaseIterable {
    /// Coins held as collateral, calls written against them.
    case coveredCall
    /// A short put and a short call out of the money: naked short convexity.
    case shortStrangle
    /// A long out-of-the-money call financed by a short put.
    case riskReversal
    /// A short near-dated call against a long far-dated one at the same strike.
    case calendar
    /// A long future or perpetual hedged with a long put.
    case protectivePut
    /// A future or perpetual alone, long or short.
    case nakedFuture
    /// A long call and a long put at the money.
    case longStraddle
    /// A long call at the money, a short call above it.
    case callSpread

    /// How often each appears.
    var weight: Double {
        switch self {
        case .coveredCall: 2
        case .shortStrangle: 2
        case .riskReversal: 1.5
        case .calendar: 1
        case .protectivePut: 1.5
        case .nakedFuture: 3
        case .longStraddle: 1
        case .callSpread: 1.5
        }
    }
}
