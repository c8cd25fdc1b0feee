import Foundation
import GRPCCore
import GRPCInProcessTransport
import Synchronization
import TailGridCluster
import TailGridEngine
import TailGridJob
import TailGridNumerics
import TailGridProtocol

/// Workers that misbehave on purpose, speaking the protocol through the generated client.
enum FakeWorker {
    static func hello(version: Tailgrid_V1_ProtocolVersion = .current, name: String, engine: String = EngineVersion.current) -> Tailgrid_V1_WorkerMessage {
        .with {
            $0.hello.protocolVersion = version
            $0.hello.workerName = name
            $0.hello.slots = 1
            $0.hello.engineVersion = engine
            $0.hello.host = "fake-host"
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

    /// Says hello, then sends `message`; returns the coordinator's refusal, nil if it read
    /// the message and went on.
    static func send(_ message: Tailgrid_V1_WorkerMessage, over transport: InProcessTransport.Client) async throws -> RPCError? {
        try await exchange([hello(name: "talker"), message], over: transport)
    }

    /// Says hello with another protocol or engine version; returns the coordinator's refusal.
    static func helloWithVersion(_ version: Int, engine: String = EngineVersion.current,
                                 over transport: InProcessTransport.Client) async throws -> RPCError? {
        try await exchange([hello(version: Tailgrid_V1_ProtocolVersion(rawValue: version)!, name: "future", engine: engine)],
                           over: transport)
    }

    /// Opens a Work stream, writes `messages`, closes its side and reads every answer;
    /// returns the coordinator's refusal, nil if the stream ended without one.
    static func exchange(_ messages: [Tailgrid_V1_WorkerMessage], over transport: InProcessTransport.Client) async throws -> RPCError? {
        try await withGRPCClient(transport: transport) { client in
            let work = Tailgrid_V1_WorkService.Client(wrapping: client)
            do {
                try await work.work(requestProducer: { writer in
                    for message in messages { try await writer.write(message) }
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

/// A worker that speaks the protocol correctly but lies or stalls in one chosen way, for
/// as long as its stream stays open. It parses the payloads it gets, so it can build
/// summaries that pass every structural check.
final class HostileWorker: Sendable {
    enum Behaviour: Sendable {
        /// count = chunk size, every loss in the underflow, zero sums, empty tail.
        case emptySummary
        /// A real summary of the job's losses, but of the next chunk's scenarios with the
        /// indices moved into this chunk: consistent in every rule, and wrong.
        case forge
        /// Hands every chunk back as if it were shutting down.
        case handBack
        /// Heartbeats for its chunks but never finishes them.
        case heartbeatOnly
        /// Reports a computation failure for every chunk.
        case reportFailure
        /// Answers every chunk with a message of about this many bytes (a failure report
        /// padded out): over the coordinator's limit, the stream ends.
        case oversized(Int)
        /// A histogram with the wrong number of bins.
        case malformed
        /// Honest chunks; stress batches with every loss halved: consistent, and a lower
        /// stress component.
        case forgeStress
        /// Honest chunks; stress batches one loss short.
        case malformedStress
        /// Honest chunks and stress; replays with a line's contribution moved by 1 (its
        /// count and loss sums intact, so only an audit can tell).
        case forgeReplay
        /// Honest chunks and stress; replays one sum word short.
        case malformedReplay
        /// Takes groups of leases and answers each group's chunks honestly in one message,
        /// every chunk claiming to have taken this many seconds.
        case computeSeconds(Double)
        /// Takes groups of leases; before answering each assignment message honestly it
        /// sends a group of results with no parts, and one whose parts name lease 1 (not
        /// its own once another worker took it) and a lease nobody holds.
        case strayResults
        /// Honest summaries with compact tails (scenario offsets and loss key steps), as a
        /// worker sends a coordinator that accepts them.
        case compact
        /// Compact summaries with one tail told wrongly (`CompactLie`).
        case badCompact(CompactLie)
    }

    /// How `badCompact` tells a tail.
    enum CompactLie: Sendable, CaseIterable {
        /// The plain losses beside the compact fields.
        case mixed
        /// The largest offset: past the largest index from any chunk but the first.
        case overflow
        /// An offset one past the chunk: a scenario of the next chunk.
        case pastTheChunk
        /// A first key step that decodes to NaN.
        case notANumber
        /// The loss steps without the scenario offsets (an empty field).
        case noOffsets
        /// The offsets' last varint cut off (its high bit set, no byte after it).
        case cutOffVarint
        /// A key step of 11 bytes: past 64 bits.
        case longVarint
    }

    /// What `strayResults` sends before each answer.
    static let strayMessages: [Tailgrid_V1_WorkerMessage] = [
        .with { $0.results = Tailgrid_V1_ChunkResults() },
        .with {
            $0.results.parts = [UInt64(1), 1_000_000_000].map { lease in
                .with {
                    $0.leaseID = lease
                    $0.accounts = [.with { $0.count = 8192; $0.histogramCounts = [1, 2, 3] }]
                    $0.last = true
                    $0.computeSeconds = 1e-300
                }
            }
        },
    ]

    let behaviour: Behaviour
    let name: String
    /// Assignments received so far.
    let assignments = Mutex(0)
    /// The floors of each assignment received, in order.
    let floors = Mutex<[[Double]]>([])
    /// The bytes of the largest message received, and the most assignments in one.
    let largestMessage = Mutex(0)
    let largestGroup = Mutex(0)

    init(_ behaviour: Behaviour, name: String) {
        self.behaviour = behaviour
        self.name = name
    }

    var assignmentCount: Int { assignments.withLock { $0 } }

    func run(over transport: InProcessTransport.Client) async throws {
        try await withGRPCClient(transport: transport) { client in
            let work = Tailgrid_V1_WorkService.Client(wrapping: client)
            let (outbox, out) = AsyncStream<Tailgrid_V1_WorkerMessage>.makeStream()
            let heartbeats = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(200))
                    out.yield(.with { $0.heartbeat = Tailgrid_V1_Heartbeat() })
                }
            }
            defer { heartbeats.cancel() }
            try await work.work(requestProducer: { writer in
                var hello = FakeWorker.hello(name: self.name)
                switch self.behaviour {
                case .computeSeconds, .strayResults: hello.hello.takesAssignmentGroups = true
                default: break
                }
                try await writer.write(hello)
                for await message in outbox { try await writer.write(message) }
            }, onResponse: { response in
                var payloads: [String: (name: String, yaml: Data, csv: Data)] = [:]
                var plans: [String: EnginePlan] = [:]
                for try await message in response.messages {
                    let bytes: [UInt8] = try message.serializedBytes()
                    self.largestMessage.withLock { $0 = Swift.max($0, bytes.count) }
                    switch message.kind {
                    case .payload(let part):
                        var payload = payloads[part.jobID] ?? ("", Data(), Data())
                        if !part.jobFileName.isEmpty { payload.name = part.jobFileName }
                        payload.yaml.append(part.jobYaml)
                        payload.csv.append(part.positionsCsv)
                        payloads[part.jobID] = payload
                        if part.last {
                            let loaded = try JobFile.parse(jobBytes: payload.yaml, path: payload.name,
                                                           positions: payload.csv.isEmpty ? nil : payload.csv)
                            plans[part.jobID] = try EnginePlan(loaded.engineJob)
                        }
                    case .assignment(let assignment):
                        self.assignments.withLock { $0 += 1 }
                        self.floors.withLock { $0.append(assignment.floors) }
                        if case .strayResults = self.behaviour { Self.strayMessages.forEach { out.yield($0) } }
                        guard let plan = plans[assignment.jobID] else { continue }
                        for reply in self.answer(assignment, plan: plan) { out.yield(reply) }
                    case .assignments(let group):
                        self.assignments.withLock { $0 += group.assignments.count }
                        self.largestGroup.withLock { $0 = Swift.max($0, group.assignments.count) }
                        self.floors.withLock { $0.append(contentsOf: group.assignments.map(\.floors)) }
                        if case .strayResults = self.behaviour { Self.strayMessages.forEach { out.yield($0) } }
                        var parts: [Tailgrid_V1_ChunkResultPart] = []
                        for assignment in group.assignments {
                            guard let plan = plans[assignment.jobID] else { continue }
                            for reply in self.answer(assignment, plan: plan) {
                                if case .result(let part) = reply.kind { parts.append(part) } else { out.yield(reply) }
                            }
                        }
                        // In messages of at most a part's bytes of the default limit, as a worker sends them.
                        for message in Wire.resultMessages(parts, budget: ClusterLimits().partBytes) { out.yield(message) }
                    default:
                        break
                    }
                }
                out.finish()
            })
        }
    }

    func answer(_ assignment: Tailgrid_V1_ChunkAssignment, plan: EnginePlan) -> [Tailgrid_V1_WorkerMessage] {
        let range = assignment.firstScenario..<assignment.endScenario
        let floors = assignment.floors.isEmpty ? nil : assignment.floors
        if assignment.kind == .stress {
            return answerStress(assignment, plan: plan)
        }
        if assignment.kind == .replay {
            return answerReplay(assignment, plan: plan)
        }
        switch behaviour {
        case .forgeStress, .malformedStress, .forgeReplay, .malformedReplay, .strayResults:
            return Wire.resultParts(ChunkComputer(plan: plan).summarize(range, floors: floors), leaseID: assignment.leaseID, budget: 1 << 20)
                .map { part in .with { $0.result = part } }
        case .computeSeconds(let seconds):
            return Wire.resultParts(ChunkComputer(plan: plan).summarize(range, floors: floors), leaseID: assignment.leaseID, budget: 1 << 20)
                .map { part in .with { $0.result = part; $0.result.computeSeconds = seconds } }
        case .compact:
            return Wire.resultParts(ChunkComputer(plan: plan).summarize(range, floors: floors), leaseID: assignment.leaseID,
                                    budget: 1 << 20, compactTails: true)
                .map { part in .with { $0.result = part } }
        case .badCompact(let lie):
            let summary = ChunkComputer(plan: plan).summarize(range, floors: floors)
            var parts = Wire.resultParts(summary, leaseID: assignment.leaseID, budget: 1 << 20, compactTails: true)
            if let account = summary.accounts.firstIndex(where: { !$0.tail.isEmpty }),
               let part = parts.firstIndex(where: { Int($0.firstAccount) <= account && account < Int($0.firstAccount) + $0.accounts.count }) {
                let index = account - Int(parts[part].firstAccount)
                switch lie {
                case .mixed: parts[part].accounts[index].tailLosses = summary.accounts[account].tail.map(\.loss)
                case .overflow: Self.replaceFirst(of: &parts[part].accounts[index].tailScenarioOffsets, with: UInt64.max)
                case .pastTheChunk: Self.replaceFirst(of: &parts[part].accounts[index].tailScenarioOffsets, with: UInt64(range.count))
                // The first step is the first key: NaN's bits with the 63 below the sign inverted.
                case .notANumber: Self.replaceFirst(of: &parts[part].accounts[index].tailLossKeySteps, with: 0x7FF8_0000_0000_0000 ^ 0x7FFF_FFFF_FFFF_FFFF)
                case .noOffsets: parts[part].accounts[index].tailScenarioOffsets = Data()
                case .cutOffVarint: parts[part].accounts[index].tailScenarioOffsets.append(0x80)
                case .longVarint:
                    // The first step's varint in 11 bytes, the others as they were.
                    let steps = (try? PackedVarints(bytes: parts[part].accounts[index].tailLossKeySteps).values()) ?? []
                    parts[part].accounts[index].tailLossKeySteps = Data(repeating: 0xFF, count: PackedVarints.maxBytes) + [0x01]
                        + PackedVarints(Array(steps.dropFirst())).bytes
                }
            }
            return parts.map { part in .with { $0.result = part } }
        case .emptySummary:
            let n = UInt64(range.count)
            return [.with {
                $0.result.leaseID = assignment.leaseID
                $0.result.accounts = plan.histogramLayouts.map { layout in
                    .with {
                        $0.count = n
                        $0.sumLimbs = [0, 0, 0, 0]
                        $0.sumOfSquaresLimbs = [0, 0, 0, 0]
                        $0.histogramCounts = Array(repeating: 0, count: layout.binCount)
                        $0.histogramUnderflow = n
                    }
                }
                $0.result.last = true
            }]
        case .forge:
            let computer = ChunkComputer(plan: plan)
            var source = range
            let width = UInt64(range.count)
            if range.upperBound + width <= UInt64(plan.job.scenarios) {
                source = (range.lowerBound + width)..<(range.upperBound + width)
            } else if range.lowerBound >= width {
                source = (range.lowerBound - width)..<range.lowerBound
            }
            let real = computer.summarize(source, floors: floors)
            let shifted = real.accounts.map { account in
                var account = account
                account.tail = account.tail.map { TailLoss(loss: $0.loss, scenario: $0.scenario - source.lowerBound + range.lowerBound) }
                return account
            }
            return Wire.resultParts(ChunkSummary(scenarios: range, accounts: shifted), leaseID: assignment.leaseID, budget: 1 << 20)
                .map { part in .with { $0.result = part } }
        case .handBack:
            return [.with {
                $0.failure.leaseID = assignment.leaseID
                $0.failure.returned = true
                $0.failure.message = "shutting down (not really)"
            }]
        case .heartbeatOnly:
            return []
        case .reportFailure:
            return [.with {
                $0.failure.leaseID = assignment.leaseID
                $0.failure.message = "this chunk cannot be computed"
            }]
        case .oversized(let bytes):
            return [.with {
                $0.failure.leaseID = assignment.leaseID
                $0.failure.message = String(repeating: "x", count: bytes)
            }]
        case .malformed:
            return [.with {
                $0.result.leaseID = assignment.leaseID
                $0.result.accounts = [.with {
                    $0.count = UInt64(range.count)
                    $0.histogramCounts = [1, 2, 3]
                }]
                $0.result.last = true
            }]
        }
    }

    /// `varints` with its first value replaced by `value` (a lie about one entry).
    static func replaceFirst(of varints: inout Data, with value: UInt64) {
        guard var values = try? PackedVarints(bytes: varints).values(), !values.isEmpty else { return }
        values[0] = value
        varints = PackedVarints(values).bytes
    }

    /// A stress batch: honest unless the behaviour lies about stress.
    func answerStress(_ assignment: Tailgrid_V1_ChunkAssignment, plan: EnginePlan) -> [Tailgrid_V1_WorkerMessage] {
        let range = Int(assignment.firstScenario)..<Int(assignment.endScenario)
        let honest = plan.job.stress.batch(range, plan: plan)
        let batch: StressBatch
        switch behaviour {
        case .forgeStress: batch = StressBatch(scenarios: range, losses: honest.losses.map { $0 / 2 })
        case .malformedStress: batch = StressBatch(scenarios: range, losses: Array(honest.losses.dropLast()))
        default: batch = honest
        }
        return Wire.stressParts(batch, leaseID: assignment.leaseID, budget: 1 << 20).map { part in .with { $0.stressResult = part } }
    }

    /// A replay: honest unless the behaviour lies about replays.
    func answerReplay(_ assignment: Tailgrid_V1_ChunkAssignment, plan: EnginePlan) -> [Tailgrid_V1_WorkerMessage] {
        let range = assignment.firstScenario..<assignment.endScenario
        guard let bars = try? Wire.bars(of: assignment, plan: plan),
              case .replay(var replay)? = try? plan.compute(.replay(range), floors: nil, bars: bars) else { return [] }
        if case .forgeReplay = behaviour, !replay.lineSums[0].isEmpty {
            replay.lineSums[0][0].add(1.0)
        }
        var parts = Wire.replayParts(replay, leaseID: assignment.leaseID, budget: 1 << 20)
        if case .malformedReplay = behaviour, !parts.isEmpty, !parts[0].accounts.isEmpty {
            parts[0].accounts[0].sums.removeLast()
        }
        return parts.map { part in .with { $0.replayResult = part } }
    }
}
