import GRPCCore
import GRPCNIOTransportHTTP2

/// HOST:PORT of a coordinator (`[::1]:7070` for IPv6).
public struct ClusterAddress: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init?(_ text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else { return nil }
        self.init(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// A client transport to this address with the cluster's HTTP/2 settings.
    func clientTransport(tls: ClusterTLS = ClusterTLS()) throws -> HTTP2ClientTransport.Posix {
        let target: any ResolvableTarget
        if host.contains(":") {
            target = .ipv6(host: host, port: port)
        } else if host.first?.isNumber == true {
            target = .ipv4(host: host, port: port)
        } else {
            target = .dns(host: host, port: port)
        }
        return try HTTP2ClientTransport.Posix(
            target: target, transportSecurity: tls.clientSecurity,
            config: .defaults { config in
                config.http2.targetWindowSize = 4 << 20
                config.http2.maxFrameSize = 1 << 20
                config.backoff.initial = .milliseconds(100)
                config.backoff.max = .seconds(2)
            })
    }
}
