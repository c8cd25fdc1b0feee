import Foundation
import GRPCCore

/// A secret of the cluster, sent as `authorization: Bearer <token>` on every RPC. It never
/// prints: every description of it, and of anything holding it, is `<redacted>`.
public struct BearerToken: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let bytes: [UInt8]

    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.utf8.count >= 16 else { return nil }
        self.bytes = Array(trimmed.utf8)
    }

    public var headerValue: String { "Bearer " + String(decoding: bytes, as: UTF8.self) }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// Compares in time independent of where the first difference is.
    func matches(_ header: String) -> Bool {
        let presented = Array(header.utf8)
        let expected = Array(headerValue.utf8)
        var difference = UInt8(presented.count == expected.count ? 0 : 1)
        for index in 0..<expected.count {
            difference |= expected[index] ^ (index < presented.count ? presented[index] : 0)
        }
        return difference == 0
    }

    // MARK: Strength

    /// Placeholders from documentation and examples, which must never work as secrets.
    static let placeholders: Set<String> = [
        "replace-with-at-least-16-random-characters", "changeme", "change-me", "changeit", "password", "secret",
        "token", "your-token-here", "replace-me", "example-token", "tailgrid", "0123456789abcdef", "1234567890123456",
        "aaaaaaaaaaaaaaaa", "REPLACE_WITH_OUTPUT_OF_openssl_rand_hex_32",
    ]

    /// An estimate of the bits of entropy in the token: its length times the smaller of
    /// log2(size of the character classes it uses) and its empirical Shannon entropy per
    /// character, so both a short alphabet and repetition lower it.
    var estimatedEntropyBits: Double {
        var classes = 0.0
        if bytes.contains(where: { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }) { classes += 26 }
        if bytes.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) { classes += 26 }
        if bytes.contains(where: { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) { classes += 10 }
        if bytes.contains(where: { !(UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) && !(UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
            && !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) { classes += 33 }
        // Hex digits only: 16 symbols, not 36.
        if bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }) {
            classes = 16
        }
        var counts: [UInt8: Int] = [:]
        for byte in bytes { counts[byte, default: 0] += 1 }
        let n = Double(bytes.count)
        let shannon = counts.values.reduce(0.0) { total, count in
            let p = Double(count) / n
            return total - p * log2(p)
        }
        return n * Swift.min(log2(Swift.max(classes, 1)), shannon + 0.5)
    }

    /// Why this token is too weak for a coordinator to accept, or nil.
    public var weakness: String? {
        let text = String(decoding: bytes, as: UTF8.self)
        if Self.placeholders.contains(text) || Self.placeholders.contains(text.lowercased()) || text.lowercased().contains("replace") {
            return "the token is a placeholder from an example"
        }
        let bits = estimatedEntropyBits
        if bits < 64 {
            return "the token has about \(Int(bits)) bits of entropy; at least 64 are needed"
        }
        return nil
    }
}

/// The tokens a coordinator accepts, by role: workers open Work streams, clients use the
/// JobService. One token may serve both roles, and a role may have several tokens while a
/// rotation is under way (the old and the new one).
public struct ClusterTokens: Sendable, CustomStringConvertible {
    public var worker: [BearerToken]
    public var client: [BearerToken]

    public init(workers: [BearerToken], clients: [BearerToken]) {
        self.worker = workers
        self.client = clients
    }

    public init(worker: BearerToken?, client: BearerToken?) {
        self.init(workers: worker.map { [$0] } ?? [], clients: client.map { [$0] } ?? [])
    }

    /// One token for both roles.
    public init(shared: BearerToken?) {
        self.init(worker: shared, client: shared)
    }

    public var isEmpty: Bool { worker.isEmpty && client.isEmpty }

    public var description: String { "ClusterTokens(\(worker.count) worker, \(client.count) client, <redacted>)" }
}

/// Adds the cluster's token to every RPC a client makes.
public struct BearerTokenClientInterceptor: ClientInterceptor {
    let token: BearerToken

    public init(token: BearerToken) {
        self.token = token
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>, context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        var request = request
        request.metadata.replaceOrAddString(token.headerValue, forKey: "authorization")
        return try await next(request, context)
    }
}
