import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import TailGridEngine
import TailGridMarket
import TailGridProtocol

/// The front of a book held in shards (`tailgrid serve JOB --shards ...`): it holds the
/// job's plan but no P&L, asks every shard (`ShardService`) for the account's summaries
/// over its scenarios, and merges them exactly (`ShardedWhatIf`), so its answer is the
/// bits of the book held whole.
///
/// Shards are described once at start (`describe`): each address must hold this job (its
/// input SHA-256) and a shard of one count, every shard held at least once. A shard held
/// by several servers (replicas) is asked on all of them and their answers must agree bit
/// for bit: a shard that lies beside an honest replica fails the request instead of moving
/// a margin. Every answer is checked (`Wire.answer`, `SummaryCheck`) before it is merged.
public final class ShardFront: Sendable {
    public let plan: EnginePlan
    public let jobSHA256: String
    let order: WhatIf.BookOrder
    /// Per shard index, the servers holding it.
    let replicas: [[Replica]]
    /// How many shards hold the book.
    public var shardCount: Int { replicas.count }
    /// How long a shard may take to answer.
    let timeout: Duration

    struct Replica: Sendable {
        let address: ClusterAddress
        let client: GRPCClient<HTTP2ClientTransport.Posix>
        let service: Tailgrid_V1_ShardService.Client<HTTP2ClientTransport.Posix>
    }

    /// A front over the servers at `shards` (described by `describe`, in any order),
    /// holding `plan` of the job whose input digest is `jobSHA256`.
    public init(plan: EnginePlan, jobSHA256: String, shards: [(address: ClusterAddress, shard: BookShard)], token: BearerToken?,
                tls: ClusterTLS, timeout: Duration = .seconds(30)) throws(ClusterError) {
        self.plan = plan
        self.jobSHA256 = jobSHA256
        self.order = WhatIf.BookOrder(plan: plan)
        self.timeout = timeout
        guard let count = shards.first?.shard.count, shards.allSatisfy({ $0.shard.count == count }) else {
            throw ClusterError(.invalidJob, "the shards do not agree on how many shards hold the book: \(shards.map { "\($0.address) holds \($0.shard)" }.joined(separator: ", "))")
        }
        var replicas = [[Replica]](repeating: [], count: count)
        for (address, shard) in shards {
            let client: GRPCClient<HTTP2ClientTransport.Posix>
            do {
                client = GRPCClient(transport: try address.clientTransport(tls: tls),
                                    interceptors: token.map { [BearerTokenClientInterceptor(token: $0)] } ?? [])
            } catch {
                throw ClusterError(.unavailable, "shard server \(address): \(error)")
            }
            replicas[shard.index].append(Replica(address: address, client: client, service: Tailgrid_V1_ShardService.Client(wrapping: client)))
        }
        if let missing = replicas.firstIndex(where: \.isEmpty) {
            throw ClusterError(.invalidJob, "no server holds shard \(missing)/\(count)")
        }
        self.replicas = replicas
    }

    /// Which shard each server at `addresses` holds, checked against the job; each is
    /// asked until `deadline` while it is not up yet.
    public static func describe(_ addresses: [ClusterAddress], jobSHA256: String, scenarios: Int, token: BearerToken?, tls: ClusterTLS,
                                until deadline: ContinuousClock.Instant) async throws(ClusterError) -> [(address: ClusterAddress, shard: BookShard)] {
        var shards: [(address: ClusterAddress, shard: BookShard)] = []
        for address in addresses {
            let client = ClusterClient(address: address, token: token, tls: tls)
            while true {
                do throws(ClusterError) {
                    let description = try await client.withConnection { try await $0.describeShard() }
                    // A server up but not holding this job's shard is refused at once.
                    do throws(ClusterError) {
                        shards.append((address, try Wire.shard(description, jobSHA256: jobSHA256, scenarios: scenarios)))
                    } catch {
                        throw ClusterError(error.code, "shard server \(address): \(error.message)")
                    }
                    break
                } catch let error where error.code == .unavailable && ContinuousClock.now < deadline {
                    _ = error
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        }
        return shards
    }

    /// Runs the connections to every shard until `shutdown`.
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for replica in replicas.joined() {
                group.addTask { try await replica.client.runConnections() }
            }
            try await group.waitForAll()
        }
    }

    public func shutdown() {
        for replica in replicas.joined() { replica.client.beginGracefulShutdown() }
    }

    /// The what-if of `request` (already checked: account `index`, `trades`): the plans,
    /// every shard's answer, their merge, all within one admission of `gate`.
    func whatIf(_ request: Tailgrid_V1_WhatIfRequest, account index: Int, trades: [Account.Position], gate: ComputeGate) async throws -> WhatIf {
        let (plan, order, jobSHA256) = (self.plan, self.order, self.jobSHA256)
        return try await WhatIfService.gated(gate) {
            let what = try Self.value(await WhatIfService.computed { () throws(EngineError) in
                try ShardedWhatIf(job: plan.job, account: index, trades: trades, order: order)
            })
            let answers = try await self.answers(request, what: what, jobSHA256: jobSHA256)
            return try Self.value(await WhatIfService.computed { () throws(EngineError) in try what.combine(answers) })
        }
    }

    static func value<T>(_ result: Result<T, EngineError>) throws -> T {
        switch result {
        case .success(let value): return value
        case .failure(let error) where error.code == .invalidJob: throw RPCError(code: .invalidArgument, message: error.message)
        case .failure(let error): throw RPCError(code: .dataLoss, message: "the shards' answers do not merge: \(error.message)")
        }
    }

    /// Every shard's answer, asked of all its replicas at once; replicas must agree.
    func answers(_ request: Tailgrid_V1_WhatIfRequest, what: ShardedWhatIf, jobSHA256: String) async throws -> [ServedBook.ShardAnswer] {
        var callOptions = CallOptions.defaults
        callOptions.timeout = timeout
        let options = callOptions
        let count = replicas.count
        let calls = replicas.enumerated().flatMap { index, replicas in replicas.map { (index, $0) } }
        var answers = [ServedBook.ShardAnswer?](repeating: nil, count: replicas.count)
        try await withThrowingTaskGroup(of: (Int, ClusterAddress, ServedBook.ShardAnswer).self) { group in
            for (index, replica) in calls {
                group.addTask {
                    let shard = BookShard(index: index, count: count) ?? .whole
                    let message: Tailgrid_V1_ShardSummaries
                    do {
                        message = try await replica.service.summarize(request, options: options)
                    } catch let error as RPCError where error.code == .invalidArgument {
                        throw error
                    } catch {
                        throw RPCError(code: .unavailable, message: "shard \(shard) at \(replica.address) did not answer: \(error)")
                    }
                    do throws(ClusterError) {
                        return (index, replica.address, try Wire.answer(message, shard: shard, jobSHA256: jobSHA256, what: what))
                    } catch {
                        throw RPCError(code: .dataLoss, message: "shard \(shard) at \(replica.address) answered wrongly: \(error.message)")
                    }
                }
            }
            for try await (index, address, answer) in group {
                if let first = answers[index], first != answer {
                    throw RPCError(code: .dataLoss, message: "the replicas of shard \(index)/\(replicas.count) disagree (\(address) among them): a shard server is broken or lying")
                }
                answers[index] = answer
            }
        }
        return answers.compactMap { $0 }
    }
}
