import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing
import TailGridCluster
import TailGridProtocol

/// A shard server that lies beside an honest replica: a proxy in this process forwards a
/// front's requests to a real `serve --shard 1/2` and changes one bit of the answer (the
/// lowest limb of the first loss row's exact sum: a summary still consistent in every rule
/// `SummaryCheck` knows). The front asks both replicas, finds them disagree and answers
/// UNAVAILABLE (exit 69) instead of a margin; without the liar it answers.
@Suite struct ShardReplicaTests {
    typealias P = ClusterProcesses

    /// Forwards to an honest shard, one bit changed.
    struct LyingShard: Tailgrid_V1_ShardService.SimpleServiceProtocol {
        let honest: Tailgrid_V1_ShardService.Client<HTTP2ClientTransport.Posix>

        func describe(request: Tailgrid_V1_ShardDescribeRequest, context: ServerContext) async throws -> Tailgrid_V1_ShardDescription {
            try await honest.describe(request)
        }

        func summarize(request: Tailgrid_V1_WhatIfRequest, context: ServerContext) async throws -> Tailgrid_V1_ShardSummaries {
            var answer = try await honest.summarize(request)
            if !answer.before.isEmpty, !answer.before[0].sumLimbs.isEmpty { answer.before[0].sumLimbs[0] ^= 1 }
            return answer
        }
    }

    @Test func aLyingReplicaFailsTheRequestInsteadOfMovingAMargin() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let token = ["--token-file", scratch.tokenFile]
        var shards: [(P.Running, String)] = []
        defer { shards.forEach { $0.0.stop() } }
        for shard in ["0/2", "1/2"] {
            shards.append(try await P.listening(["serve", "jobs/quickstart.yaml", "--listen", "127.0.0.1:0", "--shard", shard] + token))
        }
        guard let honestAddress = ClusterAddress(shards[1].1) else { throw TestFailure("not an address: \(shards[1].1)") }
        let bearer = try #require(BearerToken(try String(contentsOfFile: scratch.tokenFile, encoding: .utf8)))
        let client = GRPCClient(transport: try HTTP2ClientTransport.Posix(target: .ipv4(host: honestAddress.host, port: honestAddress.port), transportSecurity: .plaintext), interceptors: [BearerTokenClientInterceptor(token: bearer)])
        let server = GRPCServer(transport: .http2NIOPosix(address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext),
                                services: [LyingShard(honest: Tailgrid_V1_ShardService.Client(wrapping: client))])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.runConnections() }
            group.addTask { try await server.serve() }
            defer {
                server.beginGracefulShutdown()
                client.beginGracefulShutdown()
            }
            guard let port = try await server.listeningAddress?.ipv4?.port else { throw TestFailure("the liar does not listen") }
            let liar = "127.0.0.1:\(port)"
            let trade = ["--account", "alice", "--add", "BTC-PERPETUAL:-20000"]
            for (replicas, lies) in [([shards[0].1, shards[1].1], false), ([shards[0].1, shards[1].1, liar], true)] {
                let (front, address) = try await P.listening(["serve", "jobs/quickstart.yaml", "--listen", "127.0.0.1:0", "--shards"] + replicas
                                                             + ["--shard-token-file", scratch.tokenFile] + token)
                defer { front.stop() }
                let asked = try await P.run(["whatif", "--server", address, "--json"] + token + trade)
                if lies {
                    #expect(asked.status == 69 && asked.errors.contains("replicas of shard 1/2 disagree") && asked.output.isEmpty,
                            "\(asked.status) \(asked.errors)")
                } else {
                    let local = try await P.run(["whatif", "jobs/quickstart.yaml", "--json"] + trade)
                    #expect(asked.status == 0 && asked.output == local.output, "\(asked.errors)")
                }
            }
        }
    }
}
