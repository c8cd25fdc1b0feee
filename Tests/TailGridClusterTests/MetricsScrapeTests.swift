import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TailGridTestSupport

/// `--metrics-listen`: Prometheus text on /metrics, scraped during a job and after it.
@Suite struct MetricsScrapeTests {
    typealias P = ClusterProcesses

    static func scrape(_ url: URL) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: url)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// The value of a sample line `name{labels} value`, or `name value`.
    static func value(_ body: String, _ sample: String) -> Double? {
        body.split(separator: "\n").first { $0.hasPrefix(sample + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test func aScrapeDuringAndAfterAJobCountsIt() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let job = scratch.path("book.yaml")
        try BookFixture.yaml(accounts: 60, scenarios: 400_000, chunkSize: 2048).write(toFile: job, atomically: true, encoding: .utf8)
        // A lease timeout of two minutes (the last --lease-timeout wins over the helper's
        // 5 s): the worker is frozen below while a submit process starts and the gauges
        // tick, which took over 5 s with three test runs at once, and a worker silent that
        // long is counted lost.
        let (coordinator, address) = try await P.coordinator(scratch, extra: ["--metrics-listen", "127.0.0.1:0",
                                                                               "--lease-timeout", "120"])
        defer { coordinator.stop() }
        let line = try #require(coordinator.standardOutput.split(separator: "\n").first { $0.hasPrefix("metrics on ") })
        let metrics = try #require(URL(string: "http://" + line.dropFirst("metrics on ".count) + "/metrics"))
        let worker = try P.worker(scratch, address: address, name: "w")
        defer { worker.signal(SIGCONT); worker.stop() }

        /// Scrapes until a sample has a value (the gauges follow the 500 ms timer).
        func scrape(until sample: String, is value: Double) async throws -> String {
            var body = ""
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                body = try await Self.scrape(metrics).body
                if Self.value(body, sample) == value { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            return body
        }
        // The worker has joined; it is frozen (SIGSTOP) before the job is submitted, so the
        // job is still running at the tick that sees it, however slowly the submit process
        // starts on a loaded machine. Its leases stay its own: it is silent for far less
        // than the lease timeout set above.
        let joined = try await scrape(until: "tailgrid_workers_live", is: 1)
        #expect(Self.value(joined, "tailgrid_workers_live") == 1, "\(joined)")
        worker.signal(SIGSTOP)
        let submitted = try await P.run(["submit", job, "--coordinator", address, "--token-file", scratch.tokenFile])
        let id = submitted.output.trimmingCharacters(in: .whitespacesAndNewlines)

        // During the job: one running, a live worker, chunks counted as they merge.
        let during = try await scrape(until: #"tailgrid_jobs{state="running"}"#, is: 1)
        worker.signal(SIGCONT)
        #expect(Self.value(during, #"tailgrid_jobs{state="running"}"#) == 1, "\(during)")
        #expect(Self.value(during, "tailgrid_workers_live") == 1, "\(during)")
        #expect(during.contains("# TYPE tailgrid_chunks_done_total counter"), "\(during)")

        var status = try await P.client(scratch, address).withConnection { try await $0.status(id) }
        while status.state == .running || status.state == .queued {
            try await Task.sleep(for: .milliseconds(100))
            status = try await P.client(scratch, address).withConnection { try await $0.status(id) }
        }
        #expect(status.state == .succeeded)
        try await Task.sleep(for: .seconds(1.2)) // a timer tick sets the gauges
        let after = try await Self.scrape(metrics).body
        #expect(Self.value(after, #"tailgrid_jobs{state="succeeded"}"#) == 1, "\(after)")
        #expect(Self.value(after, #"tailgrid_jobs{state="running"}"#) == 0, "\(after)")
        #expect(Self.value(after, "tailgrid_chunks_done_total") == 196, "\(after)")
        #expect(Self.value(after, "tailgrid_scenarios_done_total") == 400_000, "\(after)")
        #expect((Self.value(after, "tailgrid_summary_bytes_received_total") ?? 0) > 0, "\(after)")
        #expect(Self.value(after, "tailgrid_chunks_pending") == 0, "\(after)")
        // Other paths and methods.
        var other = URLRequest(url: metrics.deletingLastPathComponent().appendingPathComponent("secrets"))
        other.httpMethod = "GET"
        let (_, missing) = try await URLSession.shared.data(for: other)
        #expect((missing as? HTTPURLResponse)?.statusCode == 404)
    }
}
