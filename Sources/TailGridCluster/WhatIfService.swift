import Foundation
import GRPCCore
import TailGridEngine
import TailGridJob
import TailGridMarket
import TailGridProtocol

/// tailgrid.v1.WhatIfService over a served book: a book held whole (`ServedBook`) or the
/// front of a sharded one (`ShardFront`). Each request is checked like `tailgrid whatif`'s
/// arguments (the account by id, each trade by `TradeArgument`) and answered once `gate`
/// admits it (a full queue answers UNAVAILABLE at once: busy, try again).
struct WhatIfService: Tailgrid_V1_WhatIfService.SimpleServiceProtocol {
    let book: BookServer.Book
    /// The job's file name, for errors.
    let file: String
    let gate: ComputeGate
    static let maxTrades = 1_000

    /// The account's index and the trades a request names, or INVALID_ARGUMENT naming
    /// what is wrong.
    static func question(_ request: Tailgrid_V1_WhatIfRequest, job: EngineJob, file: String) throws -> (account: Int, trades: [Account.Position]) {
        try JobService.checkVersion(request.protocolVersion)
        guard (1...maxTrades).contains(request.trades.count) else {
            throw RPCError(code: .invalidArgument, message: "a what-if takes 1 to \(maxTrades) trades, got \(request.trades.count)")
        }
        guard let index = job.accounts.firstIndex(where: { $0.id == request.account }) else {
            throw RPCError(code: .invalidArgument, message: "no account '\(Wire.shown(request.account))' in \(file)")
        }
        var trades: [Account.Position] = []
        for text in request.trades {
            do {
                trades.append(try TradeArgument.position(text, market: job.market, field: "trades"))
            } catch {
                throw RPCError(code: .invalidArgument, message: error.description)
            }
        }
        return (index, trades)
    }

    /// `work` once `gate` admits it; a refusal as the status a client sees (busy:
    /// UNAVAILABLE, try again).
    static func gated<T: Sendable>(_ gate: ComputeGate, _ work: @Sendable () async throws -> T) async throws -> T {
        do {
            return try await gate.run(work)
        } catch ComputeGate.Refusal.busy(let waiting) {
            throw RPCError(code: .unavailable, message: "busy: \(gate.maxRunning) what-ifs computing and \(waiting) waiting; try again")
        } catch ComputeGate.Refusal.cancelled {
            throw RPCError(code: .cancelled, message: "the what-if was cancelled while it waited")
        }
    }

    /// `work` on a thread of its own (off the cooperative pool), its error kept typed.
    static func computed<T: Sendable>(_ work: @escaping @Sendable () throws(EngineError) -> T) async -> Result<T, EngineError> {
        await Blocking.run { () -> Result<T, EngineError> in
            do throws(EngineError) { return .success(try work()) } catch { return .failure(error) }
        }
    }

    /// `work` once `gate` admits it, on a thread of its own; an engine error is the
    /// request's INVALID_ARGUMENT.
    static func admitted<T: Sendable>(_ gate: ComputeGate, _ work: @escaping @Sendable () throws(EngineError) -> T) async throws -> T {
        let result = try await gated(gate) { await computed(work) }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw RPCError(code: .invalidArgument, message: error.message)
        }
    }

    func whatIf(request: Tailgrid_V1_WhatIfRequest, context: ServerContext) async throws -> Tailgrid_V1_WhatIfResponse {
        let started = ContinuousClock.now
        let job = book.job
        let (index, trades) = try Self.question(request, job: job, file: file)
        let whatIf: WhatIf
        switch book {
        case .held(let held, _):
            guard held.shard.isWhole else {
                throw RPCError(code: .failedPrecondition, message: "this server holds shard \(held.shard) of \(file)'s scenarios; ask the front that merges the shards")
            }
            whatIf = try await Self.admitted(gate) { () throws(EngineError) in try held.whatIf(account: index, trades: trades) }
        case .front(let front):
            whatIf = try await front.whatIf(request, account: index, trades: trades, gate: gate)
        }
        let document = WhatIfDocument(job: job, whatIf: whatIf, trades: trades)
        var response = Tailgrid_V1_WhatIfResponse()
        do {
            response.documentJson = try document.jsonData()
        } catch {
            throw RPCError(code: .internalError, message: "\(error)")
        }
        response.initialMarginBefore = whatIf.before.margin.initialMargin
        response.initialMarginAfter = whatIf.after.margin.initialMargin
        response.seconds = (ContinuousClock.now - started) / .seconds(1)
        return response
    }
}
