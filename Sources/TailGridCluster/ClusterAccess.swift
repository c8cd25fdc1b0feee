import GRPCCore
import GRPCNIOTransportHTTP2
import Synchronization
import X509

/// A role on the cluster: workers open Work streams, clients use the JobService.
public enum ClusterRole: String, Sendable, CaseIterable {
    case worker, client

    /// The organisational unit (OU) a client certificate's subject carries to hold this
    /// role under mutual TLS with certificate roles.
    public var organizationalUnit: String { "tailgrid-\(rawValue)" }

    /// The role a gRPC service needs, or nil for the open health service.
    static func required(by service: String) -> ClusterRole? {
        switch service {
        case "grpc.health.v1.Health": nil
        case "tailgrid.v1.WorkService": .worker
        default: .client
        }
    }
}

/// Who may call the coordinator: bearer tokens by role, and, under mutual TLS with
/// `certificateRoles`, client certificates that name their role. Either one admits a
/// call. The tokens can be replaced while the coordinator runs (SIGHUP), for rotation:
/// calls already admitted (a worker's open Work stream) keep running.
public final class ClusterAccess: Sendable {
    let tokens: Mutex<ClusterTokens>
    public let certificateRoles: Bool

    public init(tokens: ClusterTokens, certificateRoles: Bool = false) {
        self.tokens = Mutex(tokens)
        self.certificateRoles = certificateRoles
    }

    /// Replaces every token at once.
    public func replaceTokens(_ tokens: ClusterTokens) {
        self.tokens.withLock { $0 = tokens }
    }

    /// No token and no certificate roles: every call is admitted (loopback only; the
    /// command line refuses it elsewhere).
    public var isOpen: Bool { !certificateRoles && tokens.withLock { $0.isEmpty } }

    /// Whether a call with this authorization header, from a peer with this certificate
    /// (already verified against the CA by the TLS handshake), may act as `role`.
    func admits(_ role: ClusterRole, header: String, certificate: Certificate?) -> Bool {
        if certificateRoles, let certificate, Self.roles(of: certificate).contains(role) { return true }
        let accepted = tokens.withLock { role == .worker ? $0.worker : $0.client }
        // Every token is compared, so the time taken does not say which one came close.
        var matched = false
        for token in accepted where token.matches(header) { matched = true }
        return matched
    }

    /// The roles a certificate's subject names as organisational units.
    public static func roles(of certificate: Certificate) -> Set<ClusterRole> {
        var roles = Set<ClusterRole>()
        for relativeName in certificate.subject {
            for attribute in relativeName where attribute.type == .RDNAttributeType.organizationalUnitName {
                guard let unit = String(attribute.value) else { continue }
                for role in ClusterRole.allCases where role.organizationalUnit == unit { roles.insert(role) }
            }
        }
        return roles
    }
}

/// Refuses calls without the role's token or certificate with UNAUTHENTICATED. The health
/// service is open, so that load balancers and Kubernetes probes (which send no headers)
/// work.
struct AccessInterceptor: ServerInterceptor {
    let access: ClusterAccess

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard let role = ClusterRole.required(by: context.descriptor.service.fullyQualifiedService), !access.isOpen else {
            return try await next(request, context)
        }
        let header = request.metadata[stringValues: "authorization"].first(where: { _ in true }) ?? ""
        let certificate = (context.transportSpecific as? HTTP2ServerTransport.Posix.Context)?.peerCertificate
        guard access.admits(role, header: header, certificate: certificate) else {
            let how = access.certificateRoles ? "bearer token or client certificate (OU=\(role.organizationalUnit))" : "bearer token"
            return StreamingServerResponse(error: RPCError(code: .unauthenticated, message: "missing or wrong \(how) for the \(role.rawValue) role"))
        }
        return try await next(request, context)
    }
}
