import GRPCNIOTransportHTTP2
import NIOSSL

/// TLS for the cluster's connections, from PEM files: this side's certificate chain and
/// key, and the certificate authority it trusts. A coordinator with a certificate and key
/// serves TLS; with a CA too it requires client certificates signed by it (mutual TLS).
/// A client or worker with a CA verifies the coordinator's certificate against it
/// (hostname or IP address included); with a certificate and key it presents them.
public struct ClusterTLS: Sendable {
    public var certificate: String?
    public var key: String?
    public var ca: String?

    public init(certificate: String? = nil, key: String? = nil, ca: String? = nil) {
        self.certificate = certificate
        self.key = key
        self.ca = ca
    }

    /// No TLS option given: plaintext.
    public var isEmpty: Bool { certificate == nil && key == nil && ca == nil }

    /// Loads every file once, so that a missing or malformed one is refused at start
    /// with its name, not at the first connection.
    public func check() throws(ClusterError) {
        if (certificate == nil) != (key == nil) {
            throw ClusterError(.invalidJob, "--tls-cert and --tls-key go together")
        }
        for path in [certificate, ca].compactMap({ $0 }) {
            do {
                guard try !NIOSSLCertificate.fromPEMFile(path).isEmpty else {
                    throw ClusterError(.invalidJob, "\(path) holds no PEM certificate")
                }
            } catch let error as ClusterError {
                throw error
            } catch {
                throw ClusterError(.invalidJob, "\(path) is not a readable PEM certificate file (\(error))")
            }
        }
        if let key {
            do { _ = try NIOSSLPrivateKey(file: key, format: .pem) } catch {
                throw ClusterError(.invalidJob, "\(key) is not a readable PEM private key (\(error))")
            }
        }
    }

    /// The coordinator's transport security.
    func serverSecurity() throws(ClusterError) -> HTTP2ServerTransport.Posix.TransportSecurity {
        guard let certificate, let key else {
            if ca != nil { throw ClusterError(.invalidJob, "a coordinator with --tls-ca needs --tls-cert and --tls-key too") }
            return .plaintext
        }
        let chain: [TLSConfig.CertificateSource] = [.file(path: certificate, format: .pem)]
        let privateKey: TLSConfig.PrivateKeySource = .file(path: key, format: .pem)
        guard let ca else { return .tls(certificateChain: chain, privateKey: privateKey) }
        return .mTLS(certificateChain: chain, privateKey: privateKey) { config in
            config.trustRoots = .certificates([.file(path: ca, format: .pem)])
            // A client certificate names no host to check: its chain to the CA is what counts.
            config.clientCertificateVerification = .noHostnameVerification
        }
    }

    /// A client's or worker's transport security.
    var clientSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        guard !isEmpty else { return .plaintext }
        return .tls { config in
            config.trustRoots = ca.map { .certificates([.file(path: $0, format: .pem)]) } ?? .systemDefault
            if let certificate, let key {
                config.certificateChain = [.file(path: certificate, format: .pem)]
                config.privateKey = .file(path: key, format: .pem)
            }
        }
    }
}
