/// Anti-procyclicality of margin (EMIR RTS 153/2013 art. 28(1)), the buffer tool
/// (`margin.apc`): a buffer of at least 25% of the calculated margin, which the
/// clearinghouse releases (lets be exhausted) in stressed periods when calculated
/// margins rise significantly:
///
///     APC = rate x (B + (C - B) + max(0, M - C) + L)     while held; 0 once released
///
/// so IM moves less when markets turn: the buffer absorbs the first 1 / (1 + rate) of a
/// sharp rise instead of calling members at the worst moment.
public struct AntiProcyclicality: Sendable, Hashable {
    /// The buffer as a share of the calculated margin (art. 28(1)(a): at least 0.25).
    public let rate: Double
    /// The buffer is released: stressed period, margins rising significantly.
    public let released: Bool

    public static let minimumRate = 0.25

    public init(rate: Double = AntiProcyclicality.minimumRate, released: Bool = false) {
        self.rate = rate
        self.released = released
    }

    /// The buffer on a calculated margin.
    public func buffer(on margin: Double) -> Double {
        released ? 0 : rate * margin
    }
}
