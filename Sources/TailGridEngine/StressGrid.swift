import Foundation

/// A Deribit-style grid of stress scenarios (`stress.grid`): every underlying moves by
/// the same relative step, in `spotSteps` equal steps each way over +-`spotRange`
/// (2 spotSteps + 1 moves, 0 included), each with implied vols up, unchanged and down;
/// plus `extended` moves (the same three vol states) whose losses count
/// `extendedWeight` times. Vol moves follow the term rule of `StressScenario.VolMove`:
/// up by `volUp` (30 / d)^p, down by `volDown` (30 / d)^p, p = `dtePower`.
///
/// Moving every coin together is a systemic stress: a spread between two coins is not
/// stressed by the grid (historical and hypothetical scenarios and the Monte Carlo
/// correlation cover it).
public struct StressGrid: Sendable, Hashable {
    public let spotRange: Double
    public let spotSteps: Int
    public let volUp: Double
    public let volDown: Double
    public let dtePower: Double
    public let extended: [Double]
    public let extendedWeight: Double

    /// Deribit's published portfolio-margin parameters in the range of 2024-25: +-16% in
    /// 8 steps, vols up 30% and down 20% scaled by (30 / d)^0.5, extended moves of -66%
    /// and +500% counting a third.
    public static let deribit = StressGrid(spotRange: 0.16, spotSteps: 8, volUp: 0.3, volDown: 0.2, dtePower: 0.5,
                                           extended: [-0.66, 5.0], extendedWeight: 0.33)

    public init(spotRange: Double, spotSteps: Int, volUp: Double, volDown: Double, dtePower: Double,
                extended: [Double], extendedWeight: Double) {
        self.spotRange = spotRange
        self.spotSteps = spotSteps
        self.volUp = volUp
        self.volDown = volDown
        self.dtePower = dtePower
        self.extended = extended
        self.extendedWeight = extendedWeight
    }

    /// The spot moves of the grid proper: k spotRange / spotSteps for k = -spotSteps...spotSteps.
    public var spotMoves: [Double] {
        (-spotSteps...spotSteps).map { Double($0) * spotRange / Double(spotSteps) }
    }

    /// The grid's scenarios for the coins `symbols` (underlyings; every one moves alike):
    /// each spot move with vols up, unchanged and down, then each extended move likewise.
    public func scenarios(symbols: [String]) -> [StressScenario] {
        let vols: [(label: String, move: StressScenario.VolMove)] = [
            ("vol up", .init(change: volUp, dtePower: dtePower)),
            ("vol unchanged", .init(change: 0)),
            ("vol down", .init(change: -volDown, dtePower: dtePower)),
        ]
        var scenarios: [StressScenario] = []
        for (moves, prefix, weight) in [(spotMoves, "grid", 1.0), (extended, "grid extended", extendedWeight)] {
            for move in moves {
                let logReturn = log1p(move)
                for vol in vols {
                    scenarios.append(StressScenario(
                        name: "\(prefix) spot \(Self.percent(move)) \(vol.label)", kind: .grid,
                        logReturns: Dictionary(uniqueKeysWithValues: symbols.map { ($0, logReturn) }),
                        volMoves: Dictionary(uniqueKeysWithValues: symbols.map { ($0, vol.move) }),
                        weight: weight))
                }
            }
        }
        return scenarios
    }

    /// 0.16 -> "+16%", -0.02 -> "-2%", 0.005 -> "+0.5%".
    static func percent(_ move: Double) -> String {
        let value = (move * 100 * 1e6).rounded() / 1e6
        return (value >= 0 ? "+" : "") + String(format: "%g", value) + "%"
    }
}
