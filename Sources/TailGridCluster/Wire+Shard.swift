import TailGridEngine
import TailGridProtocol

/// A book shard's messages (`tailgrid.v1.ShardService`): what it holds, and its answer.
extension Wire {
    static func description(of book: ServedBook, jobSHA256: String) -> Tailgrid_V1_ShardDescription {
        .with {
            $0.jobSha256 = jobSHA256
            $0.shard = UInt32(book.shard.index)
            $0.shards = UInt32(book.shard.count)
            $0.firstScenario = book.scenarios.lowerBound
            $0.endScenario = book.scenarios.upperBound
        }
    }

    static func message(_ answer: ServedBook.ShardAnswer, description: Tailgrid_V1_ShardDescription) -> Tailgrid_V1_ShardSummaries {
        .with {
            $0.shard = description
            $0.before = answer.before.accounts.map { message($0) }
            $0.after = answer.after.accounts.map { message($0) }
        }
    }

    /// The shard a description names, checked against the job the front holds
    /// (`jobSHA256`, `scenarios`): the same input, and the scenarios its index holds.
    static func shard(_ description: Tailgrid_V1_ShardDescription, jobSHA256: String, scenarios: Int) throws(ClusterError) -> BookShard {
        guard description.jobSha256 == jobSHA256 else {
            throw ClusterError(.protocolViolation, "it holds job \(shown(description.jobSha256, limit: 64)), not \(jobSHA256)")
        }
        guard let shard = BookShard(index: Int(description.shard), count: Int(description.shards)) else {
            throw ClusterError(.protocolViolation, "it calls itself shard \(description.shard) of \(description.shards)")
        }
        guard description.firstScenario <= description.endScenario,
              description.firstScenario..<description.endScenario == shard.scenarios(of: scenarios) else {
            throw ClusterError(.protocolViolation, "shard \(shard) holds scenarios \(description.firstScenario)..<\(description.endScenario), not \(shard.scenarios(of: scenarios))")
        }
        return shard
    }

    /// A shard's answer for the front's plans, its summaries decoded and checked for form
    /// (`ShardedWhatIf` checks their content against the shard's scenarios).
    static func answer(_ message: Tailgrid_V1_ShardSummaries, shard: BookShard, jobSHA256: String, what: ShardedWhatIf)
        throws(ClusterError) -> ServedBook.ShardAnswer {
        guard message.hasShard, try Self.shard(message.shard, jobSHA256: jobSHA256, scenarios: what.before.job.scenarios) == shard else {
            throw ClusterError(.protocolViolation, "the answer is not shard \(shard)'s of this job")
        }
        let range = shard.scenarios(of: what.before.job.scenarios)
        func summary(_ rows: [Tailgrid_V1_AccountSummary], plan: EnginePlan) throws(ClusterError) -> ChunkSummary {
            guard rows.count == plan.lossRowCount else {
                throw ClusterError(.protocolViolation, "\(rows.count) loss rows, the plan has \(plan.lossRowCount)")
            }
            var accounts: [AccountLossSummary] = []
            for (row, message) in rows.enumerated() {
                accounts.append(try Wire.summary(message, layout: plan.histogramLayouts[row]))
            }
            return ChunkSummary(scenarios: range, accounts: accounts)
        }
        return ServedBook.ShardAnswer(before: try summary(message.before, plan: what.before),
                                      after: try summary(message.after, plan: what.after))
    }
}
