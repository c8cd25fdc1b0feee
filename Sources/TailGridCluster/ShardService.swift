import GRPCCore
import TailGridEngine
import TailGridProtocol

/// tailgrid.v1.ShardService over a book held in memory (a shard, or the whole book as
/// shard 0/1): what it holds, and an account's loss summaries over its scenarios before
/// and after trades, for a front to merge (`ShardFront`). Requests are checked as the
/// what-if service checks them and admitted by the same gate.
struct ShardService: Tailgrid_V1_ShardService.SimpleServiceProtocol {
    let book: ServedBook
    let file: String
    let jobSHA256: String
    let gate: ComputeGate

    func describe(request: Tailgrid_V1_ShardDescribeRequest, context: ServerContext) async throws -> Tailgrid_V1_ShardDescription {
        try JobService.checkVersion(request.protocolVersion)
        return Wire.description(of: book, jobSHA256: jobSHA256)
    }

    func summarize(request: Tailgrid_V1_WhatIfRequest, context: ServerContext) async throws -> Tailgrid_V1_ShardSummaries {
        let (index, trades) = try WhatIfService.question(request, job: book.plan.job, file: file)
        let book = self.book
        let answer = try await WhatIfService.admitted(gate) { () throws(EngineError) in try book.summaries(account: index, trades: trades) }
        return Wire.message(answer, description: Wire.description(of: book, jobSHA256: jobSHA256))
    }
}
