import Foundation
import GRPCCore

/// The shared secret of a cluster, sent as `authorization: Bearer <token>` on every RPC.
public struct BearerToken: Sendable, Hashable {
    let bytes: [UInt8]

    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count >= 16 else { return nil }
        self.bytes = Array(trimmed.utf8)
    }

    public var headerValue: String { "Bearer " + String(decoding: bytes, as: UTF8.self) }

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
}

/// Refuses RPCs without the cluster's token with UNAUTHENTICATED. The health service is
/// open, so that load balancers and Kubernetes probes (which send no headers) work.
struct BearerTokenServerInterceptor: ServerInterceptor {
    let token: BearerToken

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        if context.descriptor.service.fullyQualifiedService == "grpc.health.v1.Health" {
            return try await next(request, context)
        }
        let header = request.metadata[stringValues: "authorization"].first(where: { _ in true }) ?? ""
        guard token.matches(header) else {
            return StreamingServerResponse(error: RPCError(code: .unauthenticated, message: "missing or wrong bearer token"))
        }
        return try await next(request, context)
    }
}

/// Adds the cluster's token to every RPC a client makes.
struct BearerTokenClientInterceptor: ClientInterceptor {
    let token: BearerToken

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>, context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        var request = request
        request.metadata.replaceOrAddString(token.headerValue, forKey: "authorization")
        return try await next(request, context)
    }
}
