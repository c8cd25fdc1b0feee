/// What a coordinator accepts: jobs over these limits are refused at submission, before
/// any work starts, and no message on the wire exceeds `maxMessageBytes`.
public struct ClusterLimits: Sendable, Hashable {
    public var maxScenarios: Int
    public var maxAccounts: Int
    public var maxInstruments: Int
    /// The job file (YAML). Parsing YAML costs about 20 bytes of memory per byte of file,
    /// so the default of 8 MiB keeps a submission under about 200 MB; large books belong
    /// in the positions file.
    public var maxJobBytes: Int
    /// The positions file (CSV), read in one pass at a few bytes of memory per byte.
    public var maxPositionsBytes: Int
    /// The market file and price files together (a daily candle file of ten years is
    /// about 400 KB).
    public var maxInputBytes: Int
    /// The smallest chunk a cluster job may ask for: a lease costs a round trip and a
    /// merge, so tiny chunks would spend the run on scheduling. 256 is one scenario tile.
    public var minChunkSize: Int
    /// The largest gRPC message either side sends or accepts.
    public var maxMessageBytes: Int
    /// Concurrent RPCs on one HTTP/2 connection; the server refuses further streams
    /// (REFUSED_STREAM) without touching the open ones.
    public var maxConcurrentStreams: Int

    public static let defaultMaxMessageBytes = 4 << 20

    public init(maxScenarios: Int = 10_000_000, maxAccounts: Int = 200_000, maxInstruments: Int = 100_000,
                maxJobBytes: Int = 8 << 20, maxPositionsBytes: Int = 256 << 20, maxInputBytes: Int = 64 << 20,
                minChunkSize: Int = 256,
                maxMessageBytes: Int = ClusterLimits.defaultMaxMessageBytes, maxConcurrentStreams: Int = 64) {
        self.maxScenarios = maxScenarios
        self.maxAccounts = maxAccounts
        self.maxInstruments = maxInstruments
        self.maxJobBytes = maxJobBytes
        self.maxPositionsBytes = maxPositionsBytes
        self.maxInputBytes = maxInputBytes
        self.minChunkSize = minChunkSize
        self.maxMessageBytes = maxMessageBytes
        self.maxConcurrentStreams = maxConcurrentStreams
    }

    /// Payload bytes per message when splitting: a quarter of the maximum leaves room for
    /// framing and for the per-account fields that accompany a slice.
    public var partBytes: Int { Swift.max(1024, maxMessageBytes / 4) }
}
