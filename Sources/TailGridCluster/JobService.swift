import Foundation
import GRPCCore
import TailGridJob
import TailGridProtocol

/// tailgrid.v1.JobService over the coordinator. Job files are parsed and planned on a
/// thread of their own, so status calls stay fast while a large job is read.
struct JobService: Tailgrid_V1_JobService.SimpleServiceProtocol {
    let coordinator: Coordinator

    func submit(request: RPCAsyncSequence<Tailgrid_V1_SubmitRequest, any Error>, context: ServerContext) async throws -> Tailgrid_V1_SubmitResponse {
        var header: Tailgrid_V1_SubmitRequest?
        var yaml = Data()
        var csv = Data()
        let limits = coordinator.configuration.limits
        var inputs = Wire.InputCollector(limit: limits.maxInputBytes)
        for try await part in request {
            let bytes = part.jobYaml.count + part.positionsCsv.count + part.jobFileName.utf8.count
                + part.inputs.reduce(0) { $0 + $1.data.count + $1.key.utf8.count }
            guard bytes <= limits.maxMessageBytes else {
                throw RPCError(code: .resourceExhausted, message: "a message of \(bytes) bytes exceeds this coordinator's limit of \(limits.maxMessageBytes) bytes per message; send the job in parts")
            }
            if header == nil {
                try Self.checkVersion(part.protocolVersion)
                header = part
            }
            yaml.append(part.jobYaml)
            csv.append(part.positionsCsv)
            do throws(ClusterError) {
                for piece in part.inputs { try inputs.add(piece) }
            } catch {
                throw error.code == .tooLarge
                    ? RPCError(code: .resourceExhausted, message: error.message + " (--max-input-bytes)")
                    : RPCError(code: .invalidArgument, message: error.message)
            }
            guard yaml.count <= limits.maxJobBytes else {
                throw RPCError(code: .resourceExhausted, message: "the job file exceeds this coordinator's limit of \(limits.maxJobBytes) bytes (--max-job-bytes); large books belong in the positions file")
            }
            guard csv.count <= limits.maxPositionsBytes else {
                throw RPCError(code: .resourceExhausted, message: "the positions file exceeds this coordinator's limit of \(limits.maxPositionsBytes) bytes (--max-positions-bytes)")
            }
        }
        guard let header else { throw RPCError(code: .invalidArgument, message: "an empty submission") }
        let name = header.jobFileName.isEmpty ? "job.yaml" : Wire.shown(header.jobFileName, limit: 200)
        let priority = Int(header.priority)
        let explain = header.explain
        let variant: JobVariant
        do {
            variant = try JobVariant.checked(backtestDay: header.hasBacktestDay ? header.backtestDay : nil,
                                             scenarios: header.scenarios, file: name)
        } catch {
            throw RPCError(code: .invalidArgument, message: error.description)
        }
        let key = header.idempotencyKey
        do throws(ClusterError) {
            try Coordinator.checkIdempotencyKey(key)
        } catch {
            throw error.rpcError
        }
        // A known key answers before the job is parsed.
        if !key.isEmpty, let existing = coordinator.status(ofIdempotencyKey: key) { return .with { $0.status = existing } }
        let coordinator = self.coordinator
        let (yamlBytes, csvBytes, inputFiles) = (yaml, csv, inputs.inputs)
        do {
            let status = try await Blocking.run {
                let loaded = try JobFile.parse(jobBytes: yamlBytes, path: name, positions: csvBytes.isEmpty ? nil : csvBytes,
                                               inputs: inputFiles, variant: variant)
                return try coordinator.submit(loaded, priority: priority, idempotencyKey: key, explain: explain)
            }
            return .with { $0.status = status }
        } catch let error as JobError {
            throw RPCError(code: .invalidArgument, message: error.description)
        } catch let error as ClusterError {
            throw error.rpcError
        }
    }

    func watch(request: Tailgrid_V1_JobRequest, response: RPCWriter<Tailgrid_V1_JobStatus>, context: ServerContext) async throws {
        try Self.checkVersion(request.protocolVersion)
        let watch: JobWatch
        do { watch = try coordinator.watch(job: request.jobID) } catch { throw error.rpcError }
        try await ServerCall.forward(watch, end: watch.end) { status in try await response.write(status) }
    }

    func getStatus(request: Tailgrid_V1_JobRequest, context: ServerContext) async throws -> Tailgrid_V1_JobStatus {
        try Self.checkVersion(request.protocolVersion)
        do { return try coordinator.status(job: request.jobID) } catch { throw error.rpcError }
    }

    func getResult(request: Tailgrid_V1_JobRequest, response: RPCWriter<Tailgrid_V1_ResultPart>, context: ServerContext) async throws {
        try Self.checkVersion(request.protocolVersion)
        let files: ResultFiles
        do { files = try coordinator.result(job: request.jobID) } catch { throw error.rpcError }
        try await response.write(contentsOf: Wire.resultParts(files, budget: coordinator.configuration.limits.partBytes))
    }

    func cancel(request: Tailgrid_V1_JobRequest, context: ServerContext) async throws -> Tailgrid_V1_JobStatus {
        try Self.checkVersion(request.protocolVersion)
        do { return try coordinator.cancel(job: request.jobID) } catch { throw error.rpcError }
    }

    func listJobs(request: Tailgrid_V1_ListJobsRequest, context: ServerContext) async throws -> Tailgrid_V1_ListJobsResponse {
        try Self.checkVersion(request.protocolVersion)
        // States outside the enum (a newer or hostile client) match nothing, rather than everything.
        let states = Set(request.states)
        let limit = request.limit == 0 ? Coordinator.maxListedJobs : Int(request.limit)
        let (jobs, truncated) = coordinator.listJobs(states: states, limit: limit)
        return .with {
            $0.jobs = jobs
            $0.truncated = truncated
        }
    }

    static func checkVersion(_ version: Tailgrid_V1_ProtocolVersion) throws {
        guard version == Wire.protocolVersion else {
            throw RPCError(code: .failedPrecondition,
                           message: "protocol version \(version.rawValue) is not supported; this coordinator speaks tailgrid.v1 version \(Wire.protocolVersion.rawValue)")
        }
    }
}

extension ClusterError {
    /// The gRPC status a client sees.
    var rpcError: RPCError {
        let code: RPCError.Code = switch self.code {
        case .invalidJob: .invalidArgument
        case .tooLarge: .resourceExhausted
        case .protocolMismatch: .failedPrecondition
        case .unauthenticated: .unauthenticated
        case .refused: .permissionDenied
        case .notFound: .notFound
        case .noResult, .jobFailed, .cancelled, .interrupted: .failedPrecondition
        case .unavailable: .unavailable
        case .protocolViolation: .invalidArgument
        }
        return RPCError(code: code, message: description)
    }
}
