import Foundation
import Testing
import TailGridTestSupport

/// TLS and mutual TLS on loopback with a private CA made at test time (openssl CLI): a job
/// runs over mTLS with the in-process result; a client that trusts another CA, one
/// without a client certificate, and a plaintext one are refused.
@Suite struct TLSClusterTests {
    typealias P = ClusterProcesses

    /// A CA, a coordinator certificate for 127.0.0.1, a client certificate naming no role,
    /// certificates naming the worker and the client role (OU=tailgrid-worker,
    /// OU=tailgrid-client), and a second, unrelated CA, as PEM files in `folder`.
    static func makeCertificates(in folder: String) throws {
        let script = """
            set -e
            cd '\(folder)'
            key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
            for ca in ca other-ca; do
              key $ca.key
              openssl req -x509 -new -key $ca.key -out $ca.pem -days 2 -subj "/CN=TailGrid test $ca" \
                -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
            done
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth\\n' > server.ext
            printf 'extendedKeyUsage=clientAuth\\n' > client.ext
            cp client.ext role-worker.ext
            cp client.ext role-client.ext
            for side in server client role-worker role-client; do
              key $side.key
              case $side in
                role-*) subject="/O=TailGrid test/OU=tailgrid-${side#role-}/CN=$side" ;;
                *) subject="/CN=tailgrid-$side" ;;
              esac
              openssl req -new -key $side.key -out $side.csr -subj "$subject"
              openssl x509 -req -in $side.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $side.pem -days 2 -extfile $side.ext 2>/dev/null
            done
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("openssl could not make the test certificates") }
    }

    @Test func aJobRunsOverMutualTLSAndStrangersAreRefused() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        try Self.makeCertificates(in: scratch.folder.path)
        let pem = { (name: String) in scratch.path(name) }
        let (coordinator, address) = try await P.coordinator(scratch, extra: ["--tls-cert", pem("server.pem"), "--tls-key", pem("server.key"),
                                                                             "--tls-ca", pem("ca.pem")])
        defer { coordinator.stop() }
        let client = ["--tls-ca", pem("ca.pem"), "--tls-cert", pem("client.pem"), "--tls-key", pem("client.key")]
        let worker = try P.Running(["worker", "--coordinator", address, "--token-file", scratch.tokenFile, "--threads", "1", "--name", "w"] + client,
                                   environment: ["TAILGRID_LOG_LEVEL": "debug"])
        defer { worker.stop() }
        let submitted = try await P.run(["submit", "jobs/quickstart.yaml", "--coordinator", address, "--token-file", scratch.tokenFile,
                                         "--wait", "--quiet", "--out", scratch.path("out")] + client)
        #expect(submitted.status == 0, "\(submitted.errors)")
        #expect(try P.resultWithoutTiming(scratch.path("out")) == (try await P.localResult("jobs/quickstart.yaml", scratch, name: "local")))
        #expect(worker.standardError.contains("computing chunk"))

        let id = submitted.output.trimmingCharacters(in: .whitespacesAndNewlines)
        func status(_ tls: [String]) async throws -> (status: Int32, output: String, errors: String) {
            try await P.run(["status", id, "--coordinator", address, "--token-file", scratch.tokenFile] + tls)
        }
        #expect(try await status(client).status == 0)
        // Trusting another CA: the coordinator's certificate does not verify.
        let wrongCA = try await status(["--tls-ca", pem("other-ca.pem"), "--tls-cert", pem("client.pem"), "--tls-key", pem("client.key")])
        #expect(wrongCA.status == 69, "\(wrongCA.errors)")
        // No client certificate: mutual TLS refuses the handshake.
        let anonymous = try await status(["--tls-ca", pem("ca.pem")])
        #expect(anonymous.status == 69, "\(anonymous.errors)")
        // Plaintext against TLS.
        let plaintext = try await status([])
        #expect(plaintext.status == 69, "\(plaintext.errors)")
        // A malformed PEM file is refused before any connection, naming it.
        let broken = pem("broken.pem")
        try "not a certificate".write(toFile: broken, atomically: true, encoding: .utf8)
        let malformed = try await status(["--tls-ca", broken])
        #expect(malformed.status == 66 && malformed.errors.contains(broken), "\(malformed.errors)")
    }

    /// Server-only TLS: a client that trusts the CA needs no certificate of its own.
    @Test func serverOnlyTLS() async throws {
        let scratch = try P.Scratch()
        defer { scratch.remove() }
        try Self.makeCertificates(in: scratch.folder.path)
        let (coordinator, address) = try await P.coordinator(scratch, extra: ["--tls-cert", scratch.path("server.pem"),
                                                                             "--tls-key", scratch.path("server.key")])
        defer { coordinator.stop() }
        let submitted = try await P.run(["submit", "jobs/quickstart.yaml", "--coordinator", address, "--token-file", scratch.tokenFile,
                                         "--tls-ca", scratch.path("ca.pem")])
        #expect(submitted.status == 0, "\(submitted.errors)")
        let plaintext = try await P.run(["submit", "jobs/quickstart.yaml", "--coordinator", address, "--token-file", scratch.tokenFile])
        #expect(plaintext.status == 69, "\(plaintext.errors)")
    }
}
