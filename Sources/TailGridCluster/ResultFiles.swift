import Foundation

/// A finished job's result files: result.json and accounts.csv, and for a job that
/// explains its explain.json and contributions.csv.
public struct ResultFiles: Sendable, Equatable {
    public let json: Data
    public let csv: Data
    public var explainJSON: Data?
    public var contributionsCSV: Data?

    /// The bytes these files hold.
    public var byteCount: Int {
        json.count + csv.count + (explainJSON?.count ?? 0) + (contributionsCSV?.count ?? 0)
    }

    public init(json: Data, csv: Data, explainJSON: Data? = nil, contributionsCSV: Data? = nil) {
        self.json = json
        self.csv = csv
        self.explainJSON = explainJSON
        self.contributionsCSV = contributionsCSV
    }
}
