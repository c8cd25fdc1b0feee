import ArgumentParser
import Foundation
import Logging
import Synchronization

/// How log lines look: text for people, JSON for log pipelines.
enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text
    case json
}

/// The `--log-format` option of the long-running commands.
struct LogOptions: ParsableArguments {
    @Option(name: .long, help: "Log lines as text, or as JSON (one object a line, with job, chunk and worker fields). Default: $TAILGRID_LOG_FORMAT, else text.")
    var logFormat: LogFormat?
}

/// The process's logging: bootstrapped once, at the level `TAILGRID_LOG_LEVEL` names
/// (trace, debug, info, notice, warning, error, critical; default info), in the format
/// the first caller asks for (else `TAILGRID_LOG_FORMAT`, else text).
enum Logs {
    private static let bootstrapped = Mutex(false)

    static func bootstrap(format: LogFormat?) {
        bootstrapped.withLock { done in
            guard !done else { return }
            done = true
            let environment = ProcessInfo.processInfo.environment
            let chosen = format ?? environment["TAILGRID_LOG_FORMAT"].flatMap(LogFormat.init(rawValue:)) ?? .text
            let level = environment["TAILGRID_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            LoggingSystem.bootstrap { label in
                switch chosen {
                case .text:
                    var handler = TextLogHandler(label: label)
                    handler.logLevel = level
                    return handler
                case .json:
                    var handler = JSONLogHandler(label: label)
                    handler.logLevel = level
                    return handler
                }
            }
        }
    }

    static func logger(_ label: String, level: Logger.Level? = nil, format: LogFormat? = nil) -> Logger {
        bootstrap(format: format)
        var logger = Logger(label: label)
        if let level { logger.logLevel = level }
        return logger
    }
}

/// swift-log's stream handler without the per-line metadata: the text already names the
/// job, chunk and worker.
struct TextLogHandler: LogHandler {
    var base: StreamLogHandler

    init(label: String) {
        base = StreamLogHandler.standardError(label: label)
    }

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        event.metadata = nil
        base.log(event: event)
    }
}

/// One JSON object a line on standard error: `time` (ISO 8601, UTC), `level`, `logger`,
/// `message`, and the metadata (`job`, `chunk`, `worker`, ...) as fields.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    /// Lines are written whole, one writer at a time.
    static let output = Mutex(())

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var object: [String: Any] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) {
            object[key] = Self.json(value)
        }
        object["time"] = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        object["level"] = event.level.rawValue
        object["logger"] = label
        object["message"] = event.message.description
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        data.append(0x0A)
        Self.output.withLock { _ in FileHandle.standardError.write(data) }
    }

    static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible):
            if let number = convertible as? Int { number } else if let number = convertible as? Double, number.isFinite { number } else { convertible.description }
        case .array(let values): values.map(json)
        case .dictionary(let values): values.mapValues(json)
        }
    }
}
