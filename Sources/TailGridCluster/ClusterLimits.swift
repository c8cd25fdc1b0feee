/// What a coordinator accepts: jobs over these limits are refused at submission, before
/// any work starts, and no message on the wire exceeds `maxMessageBytes`.
public struct ClusterLimits: Sendable, Hashable {
    public var maxScenarios: Int
    public var maxAccounts: Int
    public var maxInstruments: Int
    /// Job file plus positions file.
    public var maxJobBytes: Int
    /// The largest gRPC message either side sends or accepts.
    public var maxMessageBytes: Int

    public static let defaultMaxMessageBytes = 4 << 20

    public init(maxScenarios: Int = 10_000_000, maxAccounts: Int = 200_000, maxInstruments: Int = 100_000,
                maxJobBytes: Int = 256 << 20, maxMessageBytes: Int = ClusterLimits.defaultMaxMessageBytes) {
        self.maxScenarios = maxScenarios
        self.maxAccounts = maxAccounts
        self.maxInstruments = maxInstruments
        self.maxJobBytes = maxJobBytes
        self.maxMessageBytes = maxMessageBytes
    }

    /// Payload bytes per message when splitting: a quarter of the maximum leaves room for
    /// framing and for the per-account fields that accompany a slice.
    public var partBytes: Int { Swift.max(1024, maxMessageBytes / 4) }
}
