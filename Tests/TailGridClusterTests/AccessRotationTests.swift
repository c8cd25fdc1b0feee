import Foundation
import Testing

/// Access to a running coordinator changes without a restart: token files re-read on
/// SIGHUP (rotation while a worker keeps computing), and, under mutual TLS with
/// --tls-roles, client certificates naming their role in place of tokens.
@Suite("Access rotation and certificate roles", .serialized)
struct AccessRotationTests {
    typealias P = ClusterProcesses

    static func token() -> String { (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }.joined() }

    @Test func sighupRotatesTokensWithoutLosingTheWorkerOrAJob() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let (old, new, next) = (Self.token(), Self.token(), Self.token())
        try old.write(toFile: scratch.tokenFile, atomically: true, encoding: .utf8)
        let (coordinator, address) = try await P.coordinator(scratch)
        defer { coordinator.stop() }
        // The worker keeps the old token for its whole life.
        let oldFile = scratch.path("old-token")
        try old.write(toFile: oldFile, atomically: true, encoding: .utf8)
        let worker = try P.worker(scratch, address: address, name: "w", token: oldFile)
        defer { worker.stop() }
        #expect(await worker.wait { worker.standardError.contains("joined as") }, "\(worker.standardError)")

        func reload(_ contents: String, expect line: String) async {
            let before = coordinator.standardError.components(separatedBy: "SIGHUP").count
            try? contents.write(toFile: scratch.tokenFile, atomically: true, encoding: .utf8)
            coordinator.signal(SIGHUP)
            #expect(await coordinator.wait { coordinator.standardError.components(separatedBy: "SIGHUP").count > before })
            #expect(coordinator.standardError.contains(line), "\(coordinator.standardError)")
        }
        let newFile = scratch.path("new-token")
        try new.write(toFile: newFile, atomically: true, encoding: .utf8)
        func submit(_ tokenFile: String) async throws -> (status: Int32, output: String, errors: String) {
            try await P.run(["submit", "jobs/quickstart.yaml", "--force-new", "--coordinator", address, "--token-file", tokenFile,
                             "--wait", "--quiet", "--out", scratch.path("out-\(UUID().uuidString)")])
        }

        // Rotation, step 1: old and new both admitted.
        await reload("# rotating\n\(old)\n\(new)\n", expect: "2 worker and 2 client tokens in force")
        #expect(try await submit(oldFile).status == 0)
        #expect(try await submit(newFile).status == 0)
        // Step 2: only the new one. The worker, admitted with the old token, computes on.
        await reload(new + "\n", expect: "1 worker and 1 client tokens in force")
        let refused = try await submit(oldFile)
        #expect(refused.status == 77, "\(refused.errors)")
        let done = try await submit(newFile)
        #expect(done.status == 0, "\(done.errors)")
        #expect(worker.standardError.components(separatedBy: "computing chunk").count > 3 * 13)

        // A broken file on SIGHUP: an error in the log, the tokens in force stay.
        await reload("short\n", expect: "the previous tokens stay in force")
        #expect(try await submit(newFile).status == 0)
        let nextFile = scratch.path("next-token")
        try next.write(toFile: nextFile, atomically: true, encoding: .utf8)
        #expect(try await submit(nextFile).status == 77)
        #expect(coordinator.process.isRunning)
    }

    @Test func clientCertificatesCarryTheirRoleInsteadOfATokenUnderMutualTLS() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        try TLSClusterTests.makeCertificates(in: scratch.folder.path)
        let pem = { (name: String) in scratch.path(name) }
        let server = ["--tls-cert", pem("server.pem"), "--tls-key", pem("server.key"), "--tls-ca", pem("ca.pem")]
        let coordinator = try P.Running(["coordinator", "--listen", "127.0.0.1:0", "--tls-roles", "--lease-timeout", "5"] + server)
        defer { coordinator.stop() }
        #expect(await coordinator.wait { coordinator.standardOutput.contains("listening on ") }, "\(coordinator.standardError)")
        let address = String(coordinator.standardOutput.split(separator: "\n").first { $0.hasPrefix("listening on ") }?
            .dropFirst("listening on ".count) ?? "")
        func identity(_ name: String) -> [String] {
            ["--coordinator", address, "--tls-ca", pem("ca.pem"), "--tls-cert", pem("\(name).pem"), "--tls-key", pem("\(name).key")]
        }
        let worker = try P.Running(["worker", "--threads", "1", "--name", "w"] + identity("role-worker"),
                                   environment: ["TAILGRID_LOG_LEVEL": "debug"])
        defer { worker.stop() }
        let out = scratch.path("out")
        let submitted = try await P.run(["submit", "jobs/quickstart.yaml", "--wait", "--quiet", "--out", out] + identity("role-client"))
        #expect(submitted.status == 0, "\(submitted.errors)")
        #expect(try P.resultWithoutTiming(out) == (try await P.localResult("jobs/quickstart.yaml", scratch, name: "local")))
        #expect(worker.standardError.contains("computing chunk"))
        let id = submitted.output.trimmingCharacters(in: .whitespacesAndNewlines)

        // The client role can list; a worker's certificate cannot act as a client, nor can a
        // certificate from the same CA that names no role.
        #expect(try await P.run(["list"] + identity("role-client")).status == 0)
        let asWorker = try await P.run(["status", id] + identity("role-worker"))
        #expect(asWorker.status == 77 && asWorker.errors.contains("OU=tailgrid-client"), "\(asWorker.errors)")
        #expect(try await P.run(["status", id] + identity("client")).status == 77)
        // A client's certificate cannot open a Work stream.
        let intruder = try P.Running(["worker", "--threads", "1", "--name", "x"] + identity("role-client"))
        defer { intruder.stop() }
        #expect(await intruder.waitForExit(upTo: .seconds(30)) == 77, "\(intruder.standardError)")

        // Certificate roles need mutual TLS.
        let noCA = try await P.run(["coordinator", "--listen", "127.0.0.1:0", "--tls-roles", "--tls-cert", pem("server.pem"), "--tls-key", pem("server.key")])
        #expect(noCA.status == 64 && noCA.errors.contains("--tls-roles needs mutual TLS"), "\(noCA.errors)")
    }

    /// Token files a coordinator will not serve with: empty, only comments, more than 16
    /// tokens, a weak line among strong ones, 100 KB of text; and a client's file of two
    /// tokens. Each is refused at start with exit 64, naming the file.
    @Test func hostileTokenFilesAreRefusedAtStart() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        let cases: [(String, String)] = [
            ("empty", ""),
            ("comments", "# nothing here\n\n   \n"),
            ("many", (0..<17).map { _ in Self.token() }.joined(separator: "\n")),
            ("weak-line", Self.token() + "\nchangeme\n"),
            ("huge", String(repeating: "x", count: 100_000)),
        ]
        for (name, contents) in cases {
            let file = scratch.path("token-\(name)")
            try contents.write(toFile: file, atomically: true, encoding: .utf8)
            let started = try await P.run(["coordinator", "--listen", "127.0.0.1:0", "--token-file", file])
            #expect(started.status == 64, "\(name): \(started.errors)")
            #expect(started.errors.contains(file), "\(name): \(started.errors)")
        }
        let two = scratch.path("client-two")
        try (Self.token() + "\n" + Self.token()).write(toFile: two, atomically: true, encoding: .utf8)
        let client = try await P.run(["status", "job-x", "--coordinator", "127.0.0.1:9", "--token-file", two])
        #expect(client.status == 64 && client.errors.contains("holds one token"), "\(client.errors)")
    }
}
