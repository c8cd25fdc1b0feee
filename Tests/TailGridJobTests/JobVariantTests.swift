import Foundation
import Testing
import TailGridJob
import TailGridTestSupport

/// A job's variant (`JobVariant`: a backtest day, a scenario count) is part of the job:
/// its SHA-256 says which, so two days are two jobs and a job as written keeps the hash
/// of its files; values from a peer outside their ranges are refused naming the field.
@Suite struct JobVariantTests {
    static let bytes = Data(JobFolder.valid.utf8)

    @Test func theVariantIsPartOfTheJob() throws {
        let written = try JobFile.parse(jobBytes: Self.bytes, path: "job.yaml", positions: nil)
        let asWritten = try JobFile.parse(jobBytes: Self.bytes, path: "job.yaml", positions: nil, variant: JobVariant())
        #expect(written.inputSHA256 == asWritten.inputSHA256 && written.variant.isAsWritten)
        let fewer = try JobFile.parse(jobBytes: Self.bytes, path: "job.yaml", positions: nil, variant: JobVariant(scenarios: 1000))
        #expect(fewer.engineJob.scenarios == 1000 && written.engineJob.scenarios == 2000)
        #expect(fewer.inputSHA256 != written.inputSHA256)
        let more = try JobFile.parse(jobBytes: Self.bytes, path: "job.yaml", positions: nil, variant: JobVariant(scenarios: 1001))
        #expect(Set([written.inputSHA256, fewer.inputSHA256, more.inputSHA256]).count == 3)
        #expect(more.variant == JobVariant(scenarios: 1001))
    }

    @Test func variantsFromPeersAreChecked() throws {
        #expect(try JobVariant.checked(backtestDay: nil, scenarios: 0, file: "j.yaml").isAsWritten)
        #expect(try JobVariant.checked(backtestDay: 19_000, scenarios: 500, file: "j.yaml")
                == JobVariant(backtestDay: BacktestDay(day: 19_000), scenarios: 500))
        for (day, scenarios, field) in [(Int64.max, UInt64(0), "backtest_day"), (Int64.min, 0, "backtest_day"),
                                        (3_000_000, 0, "backtest_day"), (nil, UInt64.max, "scenarios"),
                                        (nil, UInt64(JobFile.maxScenarios) + 1, "scenarios")] as [(Int64?, UInt64, String)] {
            do {
                _ = try JobVariant.checked(backtestDay: day, scenarios: scenarios, file: "j.yaml")
                Issue.record("\(String(describing: day)), \(scenarios) passed")
            } catch {
                #expect(error.description.contains("j.yaml") && error.description.contains(field), "\(error)")
            }
        }
    }
}
