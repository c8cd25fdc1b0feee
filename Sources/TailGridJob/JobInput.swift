import Foundation

/// A file a job refers to besides itself and its positions file: the market file
/// (`market_file`), price files, and an earlier result (`previous_result`). A cluster ships these bytes with
/// the job, keyed by kind and the reference as written, so coordinator and workers parse
/// exactly what the submitter read, wherever their disks are.
public struct JobInput: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case market
        case prices
        /// `previous_result`: an earlier run's result.json.
        case previousResult = "previous"
    }

    public let kind: Kind
    /// The path as the job (or market file) writes it.
    public let reference: String
    public let bytes: Data

    public init(kind: Kind, reference: String, bytes: Data) {
        self.kind = kind
        self.reference = reference
        self.bytes = bytes
    }

    /// `market:market.yaml`, `prices:BTC-USD.csv`: the key on the wire.
    public var key: String { Self.key(kind: kind, reference: reference) }

    public static func key(kind: Kind, reference: String) -> String { "\(kind.rawValue):\(reference)" }

    /// Splits a wire key into kind and reference; nil for keys no job uses.
    public static func parse(key: String) -> (Kind, String)? {
        guard let colon = key.firstIndex(of: ":"), let kind = Kind(rawValue: String(key[..<colon])) else { return nil }
        let reference = String(key[key.index(after: colon)...])
        return reference.isEmpty ? nil : (kind, reference)
    }
}

/// What the decoder asks for when a job refers to another file.
struct JobInputRequest {
    let kind: JobInput.Kind
    let reference: String
    /// The field that names the file, for errors.
    let field: YAMLField
    /// The job's `data_dir`, as written, if any.
    let dataDirectory: String?
}
