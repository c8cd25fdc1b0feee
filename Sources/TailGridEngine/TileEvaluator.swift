import Foundation
import TailGridMarket
import TailGridNumerics

/// Scenarios -> instrument P&L -> account P&L for one tile: the engine's inner loop.
///
/// Each distinct instrument is revalued once per scenario (instruments x scenarios, one
/// contiguous row per instrument); accounts come from the position matrix.
public struct TileEvaluator: Sendable {
    /// Per underlying, what turns its factor draws into a scenario spot and vol multiplier:
    /// S' = S exp(sigma sqrt(tau) e - sigma^2 tau / 2), m = exp(nu sqrt(tau) h - nu^2 tau / 2),
    /// sigma the spot factor's vol (scenario vol, calibrated vol or the ATM vol).
    public struct UnderlyingTerms: Sendable, Hashable {
        public let spot: Double
        public let spotFactor: Int
        public let spotScale: Double
        public let spotDrift: Double
        public let volFactor: Int?
        public let volScale: Double
        public let volDrift: Double
    }

    public let generator: ScenarioGenerator
    public let underlyings: [UnderlyingTerms]
    public let instruments: [InstrumentPricer]
    public let instrumentUnderlying: [Int]
    public let positions: PositionMatrix

    /// Under filtered historical simulation a spot factor's draw is already the horizon's
    /// log-return (scale 1, no drift): S' = S exp(r~).
    public init(generator: ScenarioGenerator, factors: [RiskFactor], market: MarketData, horizonYears: Double,
                instruments: [InstrumentPricer], positions: PositionMatrix) {
        self.generator = generator
        let root = horizonYears.squareRoot()
        let historical = generator.historical != nil
        self.underlyings = market.underlyings.enumerated().map { index, underlying in
            let spotFactor = factors.firstIndex { $0.underlyingIndex == index && $0.kind == .spot }!
            let volFactor = factors.firstIndex { $0.underlyingIndex == index && $0.kind == .impliedVol }
            let nu = underlying.volOfVol ?? 0
            let sigma = factors[spotFactor].volatility
            return UnderlyingTerms(
                spot: underlying.spot, spotFactor: spotFactor,
                spotScale: historical ? 1 : sigma * root, spotDrift: historical ? 0 : -0.5 * sigma * sigma * horizonYears,
                volFactor: volFactor, volScale: nu * root, volDrift: -0.5 * nu * nu * horizonYears)
        }
        self.instruments = instruments
        self.instrumentUnderlying = instruments.map { pricer in
            market.underlyings.firstIndex { $0.symbol == pricer.instrument.underlying }!
        }
        self.positions = positions
    }

    public func makeWorkspace() -> TileWorkspace {
        TileWorkspace(factors: generator.factorCount, underlyings: underlyings.count,
                      instruments: instruments.count, accounts: positions.accountCount)
    }

    /// Fills `workspace.accountProfit` for the tile starting at `tileStart`.
    public func evaluate(tileStart: UInt64, workspace: TileWorkspace) {
        let width = ScenarioTile.size
        generator.generate(tileStart: tileStart, draws: workspace.draws.baseAddress!,
                           independent: workspace.independent.baseAddress!)
        let draws = workspace.draws.baseAddress!
        for (index, terms) in underlyings.enumerated() {
            let spotRow = draws + terms.spotFactor * width
            let spots = workspace.spots.baseAddress! + index * width
            for column in 0..<width {
                spots[column] = terms.spot * exp(terms.spotScale * spotRow[column] + terms.spotDrift)
            }
            let multipliers = workspace.volMultipliers.baseAddress! + index * width
            if let volFactor = terms.volFactor {
                let volRow = draws + volFactor * width
                for column in 0..<width {
                    multipliers[column] = exp(terms.volScale * volRow[column] + terms.volDrift)
                }
            } else {
                multipliers.update(repeating: 1, count: width)
            }
        }
        for (index, pricer) in instruments.enumerated() {
            let underlying = instrumentUnderlying[index]
            let spots = workspace.spots.baseAddress! + underlying * width
            let multipliers = workspace.volMultipliers.baseAddress! + underlying * width
            let profit = workspace.instrumentProfit.baseAddress! + index * width
            for column in 0..<width {
                profit[column] = pricer.profitAndLoss(spot: spots[column], volMultiplier: multipliers[column])
            }
        }
        positions.accumulate(instrumentProfit: workspace.instrumentProfit.baseAddress!,
                             into: workspace.accountProfit.baseAddress!, width: width)
    }
}
