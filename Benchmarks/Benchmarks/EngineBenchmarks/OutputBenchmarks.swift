import Foundation
import Benchmark
import TailGridEngine
import TailGridJob
import TailGridReport
import TailGridSynth

/// The end of a run: the result files of the medium reference book (`tailgrid synth
/// --accounts 2000 --expiries 5 --strikes 20 --seed 2`, 20,000 scenarios), each encoded
/// on one thread as `run` and a coordinator do after the merge.
enum OutputBenchmarks {
    /// The medium book's result document, computed once for every benchmark here.
    static let document: Result<ResultDocument, any Error> = Result {
        let spec = try SynthSpec(accounts: 2000, underlyings: ["BTC", "ETH", "SOL"], expiries: 5, strikes: 20, seed: 2,
                                 scenarios: 20_000)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tailgrid-output-benchmark-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try TailGridSynth.SyntheticBook(spec).write(to: folder)
        let loaded = try JobFile.load(path: folder.appendingPathComponent("job.yaml").path)
        let result = try LocalRunner(plan: try EnginePlan(loaded.engineJob), threads: 2).run()
        return ResultDocument(job: loaded, result: result, elapsedSeconds: 1)
    }

    static func register() {
        // 1 unit = report.html of 2,000 accounts (a table row each, charts for 50).
        Benchmark("Output: report.html of 2000 accounts", configuration: .init(maxIterations: 50)) { benchmark in
            let document = try Self.document.get()
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(try Report.html(result: document)) }
        }
        // 1 unit = result.json of 2,000 accounts.
        Benchmark("Output: result.json of 2000 accounts", configuration: .init(maxIterations: 50)) { benchmark in
            let document = try Self.document.get()
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(try ResultWriter.jsonData(document)) }
        }
        // 1 unit = accounts.csv of 2,000 accounts.
        Benchmark("Output: accounts.csv of 2000 accounts", configuration: .init(maxIterations: 50)) { benchmark in
            let document = try Self.document.get()
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(ResultWriter.csvData(document, labels: document.confidenceLabels)) }
        }
    }
}
