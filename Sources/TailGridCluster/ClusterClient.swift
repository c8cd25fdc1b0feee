import Foundation
import Synchronization
import GRPCCore
import GRPCNIOTransportHTTP2
import TailGridJob
import TailGridProtocol

/// A client of a coordinator's JobService: what `tailgrid submit` and `status` use, and
/// what any gRPC client generated from Protos/ does in another language.
public struct ClusterClient: Sendable {
    public let address: ClusterAddress
    public let token: BearerToken?
    public let limits: ClusterLimits
    public let tls: ClusterTLS

    public init(address: ClusterAddress, token: BearerToken?, limits: ClusterLimits = ClusterLimits(), tls: ClusterTLS = ClusterTLS()) {
        self.address = address
        self.token = token
        self.limits = limits
        self.tls = tls
    }

    /// Whether the coordinator answers its health service with SERVING (accepting jobs;
    /// a draining one is NOT_SERVING). Open without a token.
    public func isServing() async throws(ClusterError) -> Bool {
        do {
            return try await withGRPCClient(transport: try address.clientTransport(tls: tls)) { client in
                let health = Grpc_Health_V1_Health.Client(wrapping: client)
                return try await health.check(.with { $0.service = "" }).status == .serving
            }
        } catch {
            throw Self.clusterError(error, address: address)
        }
    }

    /// Opens a connection for the duration of `body`.
    public func withConnection<T: Sendable>(_ body: (Connection) async throws -> T) async throws(ClusterError) -> T {
        do {
            return try await withGRPCClient(transport: try address.clientTransport(tls: tls),
                                            interceptors: token.map { [BearerTokenClientInterceptor(token: $0)] } ?? []) { client in
                try await body(Connection(jobs: Tailgrid_V1_JobService.Client(wrapping: client),
                                          whatIfs: Tailgrid_V1_WhatIfService.Client(wrapping: client),
                                          shards: Tailgrid_V1_ShardService.Client(wrapping: client), limits: limits))
            }
        } catch {
            throw Self.clusterError(error, address: address)
        }
    }

    static func clusterError(_ error: any Error, address: ClusterAddress) -> ClusterError {
        if let error = error as? ClusterError { return error }
        guard let error = error as? RPCError else { return ClusterError(.unavailable, "coordinator \(address): \(error)") }
        switch error.code {
        case .invalidArgument: return ClusterError(.invalidJob, error.message)
        case .resourceExhausted: return ClusterError(.tooLarge, error.message)
        case .unauthenticated: return ClusterError(.unauthenticated, "coordinator \(address) refused the request: \(error.message)")
        case .permissionDenied: return ClusterError(.refused, "coordinator \(address) refused the request: \(error.message)")
        case .notFound: return ClusterError(.notFound, error.message)
        case .failedPrecondition:
            return ClusterError(error.message.contains("protocol version") ? .protocolMismatch : .jobFailed, error.message)
        default: return ClusterError(.unavailable, "coordinator \(address) is unavailable: \(error.message)")
        }
    }

    public struct Connection: Sendable {
        let jobs: Tailgrid_V1_JobService.Client<HTTP2ClientTransport.Posix>
        /// A `tailgrid serve` server's what-if service.
        let whatIfs: Tailgrid_V1_WhatIfService.Client<HTTP2ClientTransport.Posix>
        /// A `tailgrid serve --shard` server's shard service.
        let shards: Tailgrid_V1_ShardService.Client<HTTP2ClientTransport.Posix>
        let limits: ClusterLimits

        /// What a served book (a shard, or a whole book as shard 0/1) holds.
        public func describeShard() async throws -> Tailgrid_V1_ShardDescription {
            try await shards.describe(.with { $0.protocolVersion = Wire.protocolVersion })
        }

        /// A served book's what-if for `account` with `trades` (INSTRUMENT:QUANTITY).
        public func whatIf(account: String, trades: [String]) async throws -> Tailgrid_V1_WhatIfResponse {
            try await whatIfs.whatIf(.with {
                $0.protocolVersion = Wire.protocolVersion
                $0.account = account
                $0.trades = trades
            })
        }

        func request(_ id: String) -> Tailgrid_V1_JobRequest {
            .with {
                $0.protocolVersion = Wire.protocolVersion
                $0.jobID = id
            }
        }

        /// Uploads a checked job in parts and returns its status (with its id); with an
        /// idempotency key a job of the coordinator has, that job's status. With `explain`
        /// the job explains every account's ES too.
        public func submit(_ job: LoadedJob, priority: Int = 0, idempotencyKey: String = "",
                           explain: Bool = false) async throws -> Tailgrid_V1_JobStatus {
            let yaml = Wire.pieces(job.jobBytes, budget: limits.partBytes)
            let csv = job.positionsBytes.map { Wire.pieces($0, budget: limits.partBytes) } ?? []
            let inputs = Wire.inputPieces(job.inputs, budget: limits.partBytes)
            let name = job.path
            let response = try await jobs.submit(requestProducer: { writer in
                for index in 0..<max(yaml.count, csv.count, inputs.count) {
                    var part = Tailgrid_V1_SubmitRequest()
                    if index == 0 {
                        part.protocolVersion = Wire.protocolVersion
                        part.jobFileName = name
                        part.priority = Int32(clamping: priority)
                        part.idempotencyKey = idempotencyKey
                        part.explain = explain
                        if let day = job.variant.backtestDay { part.backtestDay = Int64(day.day) }
                        part.scenarios = UInt64(job.variant.scenarios ?? 0)
                    }
                    if index < yaml.count { part.jobYaml = yaml[index] }
                    if index < csv.count { part.positionsCsv = csv[index] }
                    if index < inputs.count { part.inputs = [inputs[index]] }
                    try await writer.write(part)
                }
            })
            return response.status
        }

        public func status(_ id: String) async throws -> Tailgrid_V1_JobStatus {
            try await jobs.getStatus(request(id))
        }

        /// Calls `onStatus` on every change until the job ends; returns the last status
        /// (still queued or running when the coordinator closed the stream). A connection
        /// lost once the watch began, or at any time when `accepted` (this connection has
        /// just submitted the job), is `interrupted`: the job was accepted, the coordinator
        /// went away. Without `accepted`, losing it before the first status may mean it was
        /// never reachable: `unavailable`.
        public func watch(_ id: String, accepted: Bool = false,
                          onStatus: @escaping @Sendable (Tailgrid_V1_JobStatus) -> Void) async throws -> Tailgrid_V1_JobStatus {
            let started = Mutex(accepted)
            do {
                return try await jobs.watch(request(id)) { response in
                    var last = Tailgrid_V1_JobStatus()
                    last.jobID = id
                    for try await status in response.messages {
                        started.withLock { $0 = true }
                        onStatus(status)
                        last = status
                    }
                    return last
                }
            } catch let error as RPCError where Self.connectionLost.contains(error.code) && started.withLock({ $0 }) {
                let detail = error.message.isEmpty ? "\(error.code)" : error.message
                throw ClusterError(.interrupted, "job \(id) was interrupted: the coordinator went away while it ran (\(detail)); submit it again (the result will be the same)")
            }
        }

        /// Codes a watch ends with when the coordinator or the connection goes away (a
        /// process that exits mid-write resets the stream: `unknown`), as opposed to
        /// answers about the job.
        static let connectionLost: Set<RPCError.Code> = [.unavailable, .cancelled, .unknown, .aborted, .internalError]

        /// A finished job's result files (explain.json and contributions.csv when it explained).
        public func result(_ id: String) async throws -> ResultFiles {
            try await jobs.getResult(request(id)) { response in
                var json = Data()
                var csv = Data()
                var explainJSON = Data()
                var contributionsCSV = Data()
                for try await part in response.messages {
                    json.append(part.resultJson)
                    csv.append(part.accountsCsv)
                    explainJSON.append(part.explainJson)
                    contributionsCSV.append(part.contributionsCsv)
                }
                return ResultFiles(json: json, csv: csv, explainJSON: explainJSON.isEmpty ? nil : explainJSON,
                                   contributionsCSV: explainJSON.isEmpty ? nil : contributionsCSV)
            }
        }

        /// The coordinator's jobs, newest first, in `states` (all when empty).
        public func list(states: [Tailgrid_V1_JobStatus.State] = [], limit: Int = 0) async throws -> (jobs: [Tailgrid_V1_JobStatus], truncated: Bool) {
            let response = try await jobs.listJobs(.with {
                $0.protocolVersion = Wire.protocolVersion
                $0.states = states
                $0.limit = UInt32(clamping: limit)
            })
            return (response.jobs, response.truncated)
        }

        public func cancel(_ id: String) async throws -> Tailgrid_V1_JobStatus {
            try await jobs.cancel(request(id))
        }
    }
}
