import Foundation
import TailGridEngine
import TailGridJob
import TailGridNumerics
import TailGridProtocol

/// Conversions between engine values and protocol messages, and the splitting that keeps
/// every message under the size limit.
public enum Wire {
    static let protocolVersion = Tailgrid_V1_ProtocolVersion.current

    /// A string from a peer as it may appear in an error or a log line: at most `limit`
    /// characters, control characters replaced.
    static func shown(_ text: String, limit: Int = 80) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit + 1).map {
            $0.properties.generalCategory == .control ? "?" : $0
        }))
        return cleaned.count > limit ? cleaned.prefix(limit) + "..." : cleaned
    }

    // MARK: Summaries

    /// One account's summary as a message; with `compactBase` (the first scenario of the
    /// chunk it answers, every tail scenario at or above it) its tail goes compact
    /// (scenario offsets from it and loss key steps), else plain.
    static func message(_ summary: AccountLossSummary, compactBase: UInt64? = nil) -> Tailgrid_V1_AccountSummary {
        var message = Tailgrid_V1_AccountSummary()
        message.count = UInt64(summary.count)
        message.nonFiniteCount = UInt64(summary.nonFiniteCount)
        message.sumLimbs = limbs(summary.sum)
        message.sumOfSquaresLimbs = limbs(summary.sumOfSquares)
        message.sumsInvalid = summary.sum.isInvalid || summary.sumOfSquares.isInvalid
        message.histogramCounts = summary.histogram.counts.map { UInt64($0) }
        message.histogramUnderflow = UInt64(summary.histogram.underflow)
        message.histogramOverflow = UInt64(summary.histogram.overflow)
        if let compactBase {
            let tail = summary.tail
            message.tailScenarioOffsets = PackedVarints(count: tail.count) { tail[$0].scenario &- compactBase }.bytes
            var previous: UInt64 = 0
            message.tailLossKeySteps = PackedVarints(count: tail.count) { index in
                let key = RankSort.orderKey(bitPattern: tail[index].loss.bitPattern)
                defer { previous = key }
                return key &- previous
            }.bytes
        } else {
            message.tailLosses = summary.tail.map(\.loss)
            message.tailScenarios = summary.tail.map(\.scenario)
        }
        return message
    }

    static func limbs(_ sum: ExactSum) -> [UInt64] {
        let limbs = sum.limbs
        return [limbs[0], limbs[1], limbs[2], limbs[3]]
    }

    /// Decodes and checks one account's summary; the merge checks the rest (ranking,
    /// scenario ranges, counts). Its tail comes plain, or compact where `compactBase`
    /// (the first scenario of the chunk it answers) is given.
    static func summary(_ message: Tailgrid_V1_AccountSummary, layout: LossHistogram.Layout,
                        compactBase: UInt64? = nil) throws(ClusterError) -> AccountLossSummary {
        func sum(_ limbs: [UInt64]) throws(ClusterError) -> ExactSum {
            guard limbs.count == 4 else { throw ClusterError(.protocolViolation, "an exact sum needs 4 limbs, got \(limbs.count)") }
            return ExactSum(limbs: SIMD4(limbs[0], limbs[1], limbs[2], limbs[3]), isInvalid: message.sumsInvalid)
        }
        guard message.histogramCounts.count == layout.binCount else {
            throw ClusterError(.protocolViolation, "histogram has \(message.histogramCounts.count) bins, the job \(layout.binCount)")
        }
        let tail = try tail(message, compactBase: compactBase)
        guard tail.allSatisfy(\.loss.isFinite) else {
            throw ClusterError(.protocolViolation, "tail holds a loss that is not finite")
        }
        let limit = UInt64(Int.max / 2)
        guard message.count < limit, message.nonFiniteCount < limit, message.histogramUnderflow < limit,
              message.histogramOverflow < limit, message.histogramCounts.allSatisfy({ $0 < limit }) else {
            throw ClusterError(.protocolViolation, "a count is out of range")
        }
        let histogram = LossHistogram(layout: layout, counts: message.histogramCounts.map { Int($0) },
                                      underflow: Int(message.histogramUnderflow), overflow: Int(message.histogramOverflow))
        guard histogram.counts.reduce(0, +) + histogram.underflow + histogram.overflow == Int(message.count) else {
            throw ClusterError(.protocolViolation, "histogram counts do not add up to the scenario count")
        }
        return AccountLossSummary(count: Int(message.count), sum: try sum(message.sumLimbs),
                                  sumOfSquares: try sum(message.sumOfSquaresLimbs), histogram: histogram,
                                  tail: tail, nonFiniteCount: Int(message.nonFiniteCount))
    }

    /// A tail as sent: plain (losses and scenario indices), or compact (losses from their
    /// key steps, scenarios from their offsets added to `compactBase`, both varints read
    /// in one pass into the tail). Compact fields where no base is known (a journal, a
    /// shard), compact and plain fields at once, fields of unequal lengths, bytes that are
    /// no run of varints, or an offset past the largest index are refused.
    static func tail(_ message: Tailgrid_V1_AccountSummary, compactBase: UInt64?) throws(ClusterError) -> [TailLoss] {
        let offsets = PackedVarints(bytes: message.tailScenarioOffsets)
        let steps = PackedVarints(bytes: message.tailLossKeySteps)
        guard !offsets.bytes.isEmpty || !steps.bytes.isEmpty else {
            let losses = message.tailLosses
            let scenarios = message.tailScenarios
            guard losses.count == scenarios.count else {
                throw ClusterError(.protocolViolation, "tail has \(losses.count) losses but \(scenarios.count) scenarios")
            }
            return zip(losses, scenarios).map { TailLoss(loss: $0, scenario: $1) }
        }
        guard message.tailScenarios.isEmpty && message.tailLosses.isEmpty else {
            throw ClusterError(.protocolViolation, "tail mixes plain and compact fields")
        }
        guard let compactBase else { throw ClusterError(.protocolViolation, "tail is compact where a plain one is expected") }
        let count = offsets.count
        guard steps.count == count else {
            throw ClusterError(.protocolViolation, "tail has \(steps.count) loss steps but \(count) scenario offsets")
        }
        // Refused before any room is made: a tail holds at most the summary's finite losses.
        guard UInt64(count) <= message.count else {
            throw ClusterError(.protocolViolation, "tail has \(count) entries for \(message.count) losses")
        }
        var failure: ClusterError?
        let tail = [TailLoss](unsafeUninitializedCapacity: count) { entries, initialized in
            offsets.bytes.withUnsafeBytes { offsetBytes in
                steps.bytes.withUnsafeBytes { stepBytes in
                    var offsetAt = 0
                    var stepAt = 0
                    var key: UInt64 = 0
                    while initialized < count {
                        guard let offset = PackedVarints.read(offsetBytes, at: &offsetAt) else {
                            failure = PackedVarints.broken(offsetBytes, at: offsetAt)
                            return
                        }
                        guard let step = PackedVarints.read(stepBytes, at: &stepAt) else {
                            failure = PackedVarints.broken(stepBytes, at: stepAt)
                            return
                        }
                        let (scenario, overflow) = compactBase.addingReportingOverflow(offset)
                        guard !overflow else {
                            failure = ClusterError(.protocolViolation, "tail scenario offset \(offset) is past the largest index")
                            return
                        }
                        key &+= step
                        (entries.baseAddress! + initialized).initialize(
                            to: TailLoss(loss: RankSort.loss(key: key), scenario: scenario))
                        initialized += 1
                    }
                    // Bytes after the last varint's end: one cut off (read, it meets the end).
                    if offsetAt < offsetBytes.count {
                        failure = PackedVarints.broken(offsetBytes, at: offsetBytes.count)
                    } else if stepAt < stepBytes.count {
                        failure = PackedVarints.broken(stepBytes, at: stepBytes.count)
                    }
                }
            }
        }
        if let failure { throw failure }
        return tail
    }

    /// Consecutive ranges of `count` accounts whose estimated sizes (`size(account)`)
    /// add up to at most about `budget` bytes each: one account at least per range, one
    /// empty range for none. How every result is split into parts.
    static func accountRanges(count: Int, budget: Int, size: (Int) -> Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        var bytes = 0
        for account in 0..<count {
            let next = size(account)
            if bytes > 0 && bytes + next > budget {
                ranges.append(start..<account)
                start = account
                bytes = 0
            }
            bytes += next
        }
        ranges.append(start..<count)
        return ranges
    }

    /// A chunk summary as result parts of at most about `budget` bytes each, its tails
    /// compact (for a coordinator that accepts them) or plain.
    public static func resultParts(_ summary: ChunkSummary, leaseID: UInt64, budget: Int,
                                   compactTails: Bool = false) -> [Tailgrid_V1_ChunkResultPart] {
        let accounts = summary.accounts
        let ranges = accountRanges(count: accounts.count, budget: budget) { account in
            estimatedBytes(tailEntries: accounts[account].tail.count, bins: accounts[account].histogram.counts.count)
        }
        return ranges.map { range in
            var part = Tailgrid_V1_ChunkResultPart()
            part.leaseID = leaseID
            part.firstAccount = UInt32(range.lowerBound)
            let base = compactTails ? summary.scenarios.lowerBound : nil
            part.accounts = accounts[range].map { message($0, compactBase: base) }
            part.last = range.upperBound == accounts.count
            return part
        }
    }

    /// An account summary's bytes on the wire, roughly: a tail entry's loss and scenario,
    /// a bin's count, and the counts and sums.
    static func estimatedBytes(tailEntries: Int, bins: Int) -> Int { 24 * tailEntries + 4 * bins + 128 }

    /// `estimatedBytes(tailEntries:bins:)` of a summary already in a message, plain or
    /// compact: a compact tail is its varints' bytes, known exactly.
    static func estimatedBytes(_ message: Tailgrid_V1_AccountSummary) -> Int {
        let plainEntries = Swift.max(message.tailLosses.count, message.tailScenarios.count)
        let compactBytes = message.tailScenarioOffsets.count + message.tailLossKeySteps.count
        return estimatedBytes(tailEntries: plainEntries, bins: message.histogramCounts.count) + compactBytes
    }

    /// Chunk result parts in `ChunkResults` messages of at most `budget` estimated bytes
    /// each (a part alone may reach it: parts are cut to the budget already).
    public static func resultMessages(_ parts: [Tailgrid_V1_ChunkResultPart], budget: Int) -> [Tailgrid_V1_WorkerMessage] {
        var messages: [Tailgrid_V1_WorkerMessage] = []
        var current = Tailgrid_V1_WorkerMessage()
        var bytes = 0
        for part in parts {
            let size = part.accounts.reduce(64) { $0 + estimatedBytes($1) }
            if !current.results.parts.isEmpty && bytes + size > budget {
                messages.append(current)
                current = Tailgrid_V1_WorkerMessage()
                bytes = 0
            }
            current.results.parts.append(part)
            bytes += size
        }
        if !current.results.parts.isEmpty { messages.append(current) }
        return messages
    }

    // MARK: Assignments

    /// An assignment's bytes on the wire, roughly: its floors, its bars (a loss and a
    /// scenario each) and the rest.
    static func estimatedBytes(_ assignment: Tailgrid_V1_ChunkAssignment) -> Int {
        9 * assignment.floors.count + 20 * (assignment.barLosses.count + assignment.worstBarLosses.count) + 128
    }

    /// What an assignment asks for. The coordinator is a peer like any other: a range or
    /// floors that do not fit the job are reported, never computed.
    public static func unit(of assignment: Tailgrid_V1_ChunkAssignment, plan: EnginePlan) throws(EngineError) -> WorkUnits.Unit {
        switch assignment.kind {
        case .scenarios:
            let range = try plan.chunks.checkedRange(first: assignment.firstScenario, end: assignment.endScenario)
            guard assignment.floors.isEmpty || assignment.floors.count == plan.lossRowCount,
                  !assignment.floors.contains(where: \.isNaN) else {
                throw EngineError(.inconsistentSummary, "the assignment has \(assignment.floors.count) floors for \(plan.lossRowCount) loss rows, or a floor that is not a number")
            }
            return .scenarios(range)
        case .stress:
            return .stress(try plan.units.checkedStressRange(first: assignment.firstScenario, end: assignment.endScenario))
        case .replay:
            return .replay(try plan.chunks.checkedRange(first: assignment.firstScenario, end: assignment.endScenario))
        case .UNRECOGNIZED(let value):
            throw EngineError(.inconsistentSummary, "the assignment is of kind \(value), which this worker does not know")
        }
    }

    // MARK: Bytes

    /// `data` in pieces of at most `budget` bytes (one empty piece for empty data).
    static func pieces(_ data: Data, budget: Int) -> [Data] {
        guard !data.isEmpty else { return [Data()] }
        return stride(from: 0, to: data.count, by: budget).map { start in
            data.subdata(in: (data.startIndex + start)..<(data.startIndex + Swift.min(data.count, start + budget)))
        }
    }

    /// A job's inputs in pieces of at most `budget` bytes, one piece per message.
    static func inputPieces(_ inputs: [JobInput], budget: Int) -> [Tailgrid_V1_JobInputPiece] {
        inputs.flatMap { input in
            pieces(input.bytes, budget: budget).map { data in
                Tailgrid_V1_JobInputPiece.with {
                    $0.key = input.key
                    $0.data = data
                }
            }
        }
    }

    /// Gathers input pieces back into files, in the order their keys first came, refusing
    /// unknown keys and more than `limit` bytes in all.
    struct InputCollector {
        private(set) var keys: [String] = []
        private(set) var bytes: [String: Data] = [:]
        private(set) var total = 0
        let limit: Int

        init(limit: Int) {
            self.limit = limit
        }

        mutating func add(_ piece: Tailgrid_V1_JobInputPiece) throws(ClusterError) {
            guard JobInput.parse(key: piece.key) != nil else {
                throw ClusterError(.protocolViolation, "an input piece has the key '\(shown(piece.key, limit: 80))'; expected market:<path> or prices:<path>")
            }
            total += piece.data.count
            guard total <= limit else {
                throw ClusterError(.tooLarge, "the job's market and price files exceed \(limit) bytes")
            }
            if bytes[piece.key] == nil {
                keys.append(piece.key)
                bytes[piece.key] = Data()
            }
            bytes[piece.key]!.append(piece.data)
        }

        var inputs: [JobInput] {
            keys.compactMap { key in
                JobInput.parse(key: key).map { JobInput(kind: $0.0, reference: $0.1, bytes: bytes[key] ?? Data()) }
            }
        }
    }

    static func payloadParts(jobID: String, job: LoadedJob, budget: Int) -> [Tailgrid_V1_JobPayloadPart] {
        let yaml = pieces(job.jobBytes, budget: budget)
        let csv = job.positionsBytes.map { pieces($0, budget: budget) } ?? []
        let inputs = inputPieces(job.inputs, budget: budget)
        let count = Swift.max(yaml.count, csv.count, inputs.count)
        return (0..<count).map { index in
            var part = Tailgrid_V1_JobPayloadPart()
            part.jobID = jobID
            if index == 0 {
                part.inputSha256 = job.inputSHA256
                part.jobFileName = job.path
                if let day = job.variant.backtestDay { part.backtestDay = Int64(day.day) }
                part.scenarios = UInt64(job.variant.scenarios ?? 0)
            }
            if index < yaml.count { part.jobYaml = yaml[index] }
            if index < csv.count { part.positionsCsv = csv[index] }
            if index < inputs.count { part.inputs = [inputs[index]] }
            part.last = index == count - 1
            return part
        }
    }

    static func resultParts(_ files: ResultFiles, budget: Int) -> [Tailgrid_V1_ResultPart] {
        let jsonPieces = pieces(files.json, budget: budget)
        let csvPieces = pieces(files.csv, budget: budget)
        let explainPieces = files.explainJSON.map { pieces($0, budget: budget) } ?? []
        let contributionPieces = files.contributionsCSV.map { pieces($0, budget: budget) } ?? []
        let count = Swift.max(jsonPieces.count, csvPieces.count, explainPieces.count, contributionPieces.count)
        return (0..<count).map { index in
            var part = Tailgrid_V1_ResultPart()
            if index < jsonPieces.count { part.resultJson = jsonPieces[index] }
            if index < csvPieces.count { part.accountsCsv = csvPieces[index] }
            if index < explainPieces.count { part.explainJson = explainPieces[index] }
            if index < contributionPieces.count { part.contributionsCsv = contributionPieces[index] }
            return part
        }
    }
}
