import ArgumentParser
import Foundation
import Logging
import TailGridCluster
import TailGridJob

/// Options every cluster command shares.
struct ClusterOptions: ParsableArguments {
    @Option(name: .long, help: "The coordinator, HOST:PORT (e.g. 127.0.0.1:7070 or [::1]:7070).")
    var coordinator: String

    @Option(name: .long, help: "File holding the cluster's bearer token (at least 16 characters).")
    var tokenFile: String?

    @OptionGroup var tls: TLSOptions

    func address() throws -> ClusterAddress {
        guard let address = ClusterAddress(coordinator) else {
            throw ValidationError("--coordinator must be HOST:PORT, got '\(coordinator)'")
        }
        return address
    }

    func token() throws -> BearerToken? {
        try tokenFile.map { try TokenFile.read($0) }
    }

    /// A client of the coordinator with this token and TLS.
    func client() throws -> ClusterClient {
        ClusterClient(address: try address(), token: try token(), tls: try tls.checked())
    }
}

/// TLS options of every cluster command (PEM files).
struct TLSOptions: ParsableArguments {
    @Option(name: .long, help: "This side's certificate chain (PEM). A coordinator with it and --tls-key serves TLS; a client or worker presents it (mutual TLS).")
    var tlsCert: String?

    @Option(name: .long, help: "The private key of --tls-cert (PEM).")
    var tlsKey: String?

    @Option(name: .long, help: "The certificate authority trusted (PEM): a client or worker verifies the coordinator against it; a coordinator requires client certificates signed by it (mutual TLS).")
    var tlsCA: String?

    /// The files, loaded once: a missing or malformed one is refused now (exit 66).
    func checked() throws -> ClusterTLS {
        let tls = ClusterTLS(certificate: tlsCert, key: tlsKey, ca: tlsCA)
        do { try tls.check() } catch {
            FileHandle.standardError.write(Data("tailgrid: error: \(error.message)\n".utf8))
            throw ExitCode(66)
        }
        return tls
    }
}

enum TokenFile {
    /// Reads a token file; a missing file exits 66, a short token 64.
    static func read(_ path: String) throws -> BearerToken {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure.exit(JobError(.missingInput, file: path, "token file does not exist or cannot be read"))
        }
        guard let token = BearerToken(String(decoding: data, as: UTF8.self)) else {
            throw CommandFailure.exit(JobError(.usage, file: path, "a token must be at least 16 characters; make one with: openssl rand -hex 32 > \(path)"))
        }
        return token
    }

    /// Reads a token a coordinator will accept: also refuses placeholders and weak
    /// tokens (exit 64), since a coordinator's token guards every job it holds.
    static func readForServing(_ path: String) throws -> BearerToken {
        let token = try read(path)
        if let weakness = token.weakness {
            throw CommandFailure.exit(JobError(.usage, file: path, "\(weakness); make one with: openssl rand -hex 32 > \(path)"))
        }
        return token
    }

    /// A fresh random token in a file only this user can read, for local clusters.
    static func makeTemporary() throws -> (BearerToken, String) {
        let text = (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }.joined()
        let path = NSTemporaryDirectory() + "tailgrid-token-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CommandFailure.exit(JobError(.cannotCreateOutput, file: path, "cannot write a token file"))
        }
        return (BearerToken(text)!, path)
    }
}

/// Logs go to standard error; standard output is for results.
