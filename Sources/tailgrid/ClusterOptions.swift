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
        guard let tokenFile else { return nil }
        do { return try TokenFile.read(tokenFile) } catch { throw CommandFailure.exit(error) }
    }

    /// A client of the coordinator with this token and TLS.
    func client() throws -> ClusterClient {
        ClusterClient(address: try address(), token: try token(), tls: try tls.checked())
    }

    /// A client of `coordinator` (HOST:PORT) with the token in `tokenFile` and `tls`: for
    /// commands whose coordinator is optional.
    static func client(coordinator: String, tokenFile: String?, tls: TLSOptions) throws -> ClusterClient {
        guard let address = ClusterAddress(coordinator) else {
            throw ValidationError("--coordinator must be HOST:PORT, got '\(coordinator)'")
        }
        var token: BearerToken?
        if let tokenFile {
            do { token = try TokenFile.read(tokenFile) } catch { throw CommandFailure.exit(error) }
        }
        return ClusterClient(address: address, token: token, tls: try tls.checked())
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
    /// Reads a client's or worker's token file (one token); a missing file exits 66, a
    /// short token or a file of several tokens 64.
    static func read(_ path: String) throws(JobError) -> BearerToken {
        let tokens = try lines(path)
        guard tokens.count == 1, let token = BearerToken(tokens[0]) else {
            throw JobError(.usage, file: path, tokens.count > 1
                ? "a client's or worker's token file holds one token (several are for a coordinator during a rotation)"
                : "a token must be at least 16 characters; make one with: openssl rand -hex 32 > \(path)")
        }
        return token
    }

    /// Reads the tokens a coordinator will accept for a role: one per line (two while a
    /// rotation is under way; blank lines and lines starting with # are skipped, at most
    /// 16). Refuses placeholders and weak tokens (exit 64), since a coordinator's token
    /// guards every job it holds.
    static func readForServing(_ path: String) throws(JobError) -> [BearerToken] {
        let lines = try lines(path)
        guard !lines.isEmpty, lines.count <= 16 else {
            throw JobError(.usage, file: path, lines.isEmpty
                ? "the token file holds no token; make one with: openssl rand -hex 32 > \(path)"
                : "the token file holds \(lines.count) tokens; at most 16 are accepted")
        }
        return try lines.enumerated().map { index, line throws(JobError) in
            guard let token = BearerToken(line) else {
                throw JobError(.usage, file: path, field: "token \(index + 1)", "a token must be at least 16 characters; make one with: openssl rand -hex 32")
            }
            if let weakness = token.weakness {
                throw JobError(.usage, file: path, field: "token \(index + 1)", "\(weakness); make one with: openssl rand -hex 32")
            }
            return token
        }
    }

    /// The file's token lines: trimmed, without blank lines and # comments. A token file
    /// is small; anything over 64 KiB is refused rather than read.
    static func lines(_ path: String) throws(JobError) -> [String] {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= 65_536 else {
            throw JobError(.usage, file: path, "a token file of \(size) bytes is not a token file (at most 64 KiB)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JobError(.missingInput, file: path, "token file does not exist or cannot be read")
        }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
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
