import Foundation
import TailGridEngine

/// A job file read, checked completely and turned into an engine job.
public struct LoadedJob: Sendable {
    public let engineJob: EngineJob
    /// The confidence levels as written in the file (`"0.99"`): the keys of result files.
    public let confidenceLabels: [String]
    /// SHA-256 (hex) of the job file's bytes followed by the positions file's bytes, each
    /// input's bytes and, for a variant, a line naming it (`JobVariant`).
    public let inputSHA256: String
    /// The path the user gave.
    public let path: String
    /// The bytes of the job file and of its positions file: what a cluster ships to
    /// workers, which parse them into the same engine job.
    public let jobBytes: Data
    public let positionsBytes: Data?
    /// The market and price files the job read, in the order read (part of the SHA-256,
    /// after the positions file).
    public let inputs: [JobInput]
    /// What a calibration from price history estimated, for the result.
    public let calibration: CalibrationReport?
    /// The earlier result this run is compared against (`previous_result`).
    public let previous: PreviousResult?
    /// The backtest day the job was re-dated to, its spots and realised move; nil for a
    /// job as written.
    public var backtest: BacktestDay.Outcome? = nil
    /// How the job was parsed other than as written (a backtest day, a scenario count).
    public var variant = JobVariant()
}
