import Foundation
import GRPCCore
import TailGridEngine
import TailGridJob
import TailGridMarket
import TailGridProtocol

/// tailgrid.v1.WhatIfService over a book held in memory (`ServedBook`): each request is
/// checked like `tailgrid whatif`'s arguments (the account by id, each trade by
/// `TradeArgument`) and computed on a thread of its own, off the cooperative pool.
struct WhatIfService: Tailgrid_V1_WhatIfService.SimpleServiceProtocol {
    let book: ServedBook
    /// The job's file name, for errors.
    let file: String
    static let maxTrades = 1_000

    func whatIf(request: Tailgrid_V1_WhatIfRequest, context: ServerContext) async throws -> Tailgrid_V1_WhatIfResponse {
        try JobService.checkVersion(request.protocolVersion)
        let started = ContinuousClock.now
        let job = book.plan.job
        guard (1...Self.maxTrades).contains(request.trades.count) else {
            throw RPCError(code: .invalidArgument, message: "a what-if takes 1 to \(Self.maxTrades) trades, got \(request.trades.count)")
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
        let book = self.book
        let positions = trades
        let result: Result<WhatIf, EngineError> = await Blocking.run {
            do throws(EngineError) { return .success(try book.whatIf(account: index, trades: positions)) } catch { return .failure(error) }
        }
        let whatIf: WhatIf
        switch result {
        case .success(let computed): whatIf = computed
        case .failure(let error): throw RPCError(code: .invalidArgument, message: error.message)
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
