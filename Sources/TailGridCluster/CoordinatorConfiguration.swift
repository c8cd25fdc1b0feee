/// How a coordinator schedules: leases, retries, speculation, limits.
public struct CoordinatorConfiguration: Sendable {
    public var limits: ClusterLimits
    /// Workers send a heartbeat this often.
    public var heartbeatInterval: Duration
    /// A worker silent for this long loses its leases.
    public var leaseTimeout: Duration
    /// Attempts per chunk before the job fails.
    public var maxAttempts: Int
    /// A chunk running longer than this multiple of the median chunk time (and at least
    /// `minimumSpeculationDelay`) is also given to an idle worker once nothing is pending.
    public var speculationFactor: Double
    public var minimumSpeculationDelay: Duration

    public init(limits: ClusterLimits = ClusterLimits(), heartbeatInterval: Duration = .seconds(1),
                leaseTimeout: Duration = .seconds(10), maxAttempts: Int = 3, speculationFactor: Double = 2,
                minimumSpeculationDelay: Duration = .seconds(1)) {
        self.limits = limits
        self.heartbeatInterval = heartbeatInterval
        self.leaseTimeout = leaseTimeout
        self.maxAttempts = maxAttempts
        self.speculationFactor = speculationFactor
        self.minimumSpeculationDelay = minimumSpeculationDelay
    }
}
