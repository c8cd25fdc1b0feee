/// What a calibration from price history used and estimated: `calibration` in
/// result.json, so a reviewer can see the window and the numbers behind the scenarios.
public struct CalibrationReport: Codable, Sendable, Equatable {
    public struct Correlation: Codable, Sendable, Equatable {
        public var factors: [String]
        public var matrix: [[Double]]
    }

    /// The filtered historical simulation built on the calibration window.
    public struct FilteredHistorical: Codable, Sendable, Equatable {
        public var lookbackDays: Int
        public var lambda: Double
        public var blocks: Int
        /// The first and last day a block may start on.
        public var blockStarts: [String]
        /// Today's EWMA vol per coin, annualised: what every block is rescaled to.
        public var currentVols: [String: Double]

        enum CodingKeys: String, CodingKey {
            case lambda, blocks
            case lookbackDays = "lookback_days"
            case blockStarts = "block_starts"
            case currentVols = "current_vols"
        }
    }

    /// Anti-procyclicality by weight on stressed observations (`margin.apc`,
    /// RTS 153/2013 art. 28(1)(b)): `vols` and `correlation` are of the blend
    /// (1 - weight) x window + weight x stressed period.
    public struct Stressed: Codable, Sendable, Equatable {
        public var weight: Double
        /// The days of the stressed period's first and last return.
        public var period: [String]
        /// How the period was chosen.
        public var selection: String
        /// Annualised vol per coin of the window alone (what the scenarios would use
        /// without the weighting) and of the stressed period alone.
        public var windowVols: [String: Double]
        public var stressedVols: [String: Double]

        enum CodingKeys: String, CodingKey {
            case weight, period, selection
            case windowVols = "window_vols"
            case stressedVols = "stressed_vols"
        }
    }

    public var method: String
    public var lambda: Double?
    public var asOf: String
    /// The days of the first and last return in the window.
    public var window: [String]
    public var returns: Int
    public var priceFiles: [String: String]
    /// Annualised scenario vol per coin (sqrt(365) x daily).
    public var vols: [String: Double]
    public var correlation: Correlation
    public var filledDays: [String: Int]
    public var fhs: FilteredHistorical?
    public var stressed: Stressed? = nil
    /// The lookback floor's sample estimate (`margin.apc: { method: lookback_floor }`).
    public var lookbackFloor: LookbackFloor? = nil

    /// The calibration a lookback floor's scenarios use: equal weights on every return of
    /// the lookback, to the same as_of.
    public struct LookbackFloor: Codable, Sendable, Equatable {
        public var window: [String]
        public var returns: Int
        public var vols: [String: Double]
        public var correlation: Correlation
    }

    enum CodingKeys: String, CodingKey {
        case method, lambda, window, returns, vols, correlation, fhs, stressed
        case lookbackFloor = "lookback_floor"
        case asOf = "as_of"
        case priceFiles = "price_files"
        case filledDays = "filled_days"
    }
}
