import Foundation
import GRPCCore
import GRPCInProcessTransport
import Synchronization
import TailGridProtocol

/// Workers that misbehave on purpose, speaking the protocol through the generated client.
enum FakeWorker {
    static func hello(version: Tailgrid_V1_ProtocolVersion = .current, name: String) -> Tailgrid_V1_WorkerMessage {
        .with {
            $0.hello.protocolVersion = version
            $0.hello.workerName = name
            $0.hello.slots = 1
        }
    }

    /// Takes one chunk, answers with a summary whose histogram has the wrong number of
    /// bins, and leaves.
    static func sendOneBadResult(over transport: InProcessTransport.Client) async throws {
        try await withGRPCClient(transport: transport) { client in
            let work = Tailgrid_V1_WorkService.Client(wrapping: client)
            let (assignments, assigned) = AsyncStream<Tailgrid_V1_ChunkAssignment>.makeStream()
            try await work.work(requestProducer: { writer in
                try await writer.write(hello(name: "liar"))
                for await assignment in assignments {
                    try await writer.write(.with {
                        $0.result.leaseID = assignment.leaseID
                        $0.result.accounts = [.with {
                            $0.count = assignment.endScenario - assignment.firstScenario
                            $0.histogramCounts = [1, 2, 3]
                        }]
                        $0.result.last = true
                    })
                    break
                }
            }, onResponse: { response in
                for try await message in response.messages {
                    if case .assignment(let assignment) = message.kind {
                        assigned.yield(assignment)
                        assigned.finish()
                    }
                }
            })
        }
    }

    /// Takes a chunk and then says nothing more, keeping the stream open.
    static func holdFirstChunkSilently(over transport: InProcessTransport.Client) async throws {
        try await withGRPCClient(transport: transport) { client in
            let work = Tailgrid_V1_WorkService.Client(wrapping: client)
            try await work.work(requestProducer: { writer in
                try await writer.write(hello(name: "silent"))
                try await Task.sleep(for: .seconds(3600))
            }, onResponse: { response in
                for try await _ in response.messages {}
            })
        }
    }

    /// Says hello with another protocol version; returns the coordinator's refusal.
    static func helloWithVersion(_ version: Int, over transport: InProcessTransport.Client) async throws -> RPCError? {
        try await withGRPCClient(transport: transport) { client in
            let work = Tailgrid_V1_WorkService.Client(wrapping: client)
            do {
                try await work.work(requestProducer: { writer in
                    try await writer.write(hello(version: Tailgrid_V1_ProtocolVersion(rawValue: version)!, name: "future"))
                }, onResponse: { response in
                    for try await _ in response.messages {}
                })
                return nil
            } catch let error as RPCError {
                return error
            }
        }
    }
}
