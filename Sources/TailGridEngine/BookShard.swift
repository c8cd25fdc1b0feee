/// The part of a book's scenarios one served book holds: shard `index` of `count`, a run of
/// whole tiles of 256 scenarios, the job's T tiles split as evenly as they go: shard i of
/// K holds tiles [floor(T i / K), floor(T (i + 1) / K)). K shards on K machines hold a
/// K-th of the book's memory each.
public struct BookShard: Sendable, Hashable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// The whole book.
    public static let whole = BookShard(uncheckedIndex: 0, count: 1)
    /// At most this many shards.
    public static let maxCount = 1024

    private init(uncheckedIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Shard `index` of `count`: nil unless 0 <= index < count <= `maxCount`.
    public init?(index: Int, count: Int) {
        guard (1...Self.maxCount).contains(count), (0..<count).contains(index) else { return nil }
        self.init(uncheckedIndex: index, count: count)
    }

    /// "I/K", as `tailgrid serve --shard` takes it.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isASCII) }),
              let index = Int(parts[0]), let count = Int(parts[1]) else { return nil }
        self.init(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }
    public var isWhole: Bool { count == 1 }

    /// The tiles this shard holds of a job of `scenarios` scenarios (empty when the job has
    /// fewer tiles than shards and this one gets none).
    public func tiles(scenarios: Int) -> Range<Int> {
        let total = InstrumentProfits.tileCount(scenarios: scenarios)
        return total * index / count..<total * (index + 1) / count
    }

    /// The scenarios this shard holds of a job of `scenarios` scenarios.
    public func scenarios(of scenarios: Int) -> Range<UInt64> {
        let tiles = self.tiles(scenarios: scenarios)
        let first = Swift.min(tiles.lowerBound * ScenarioTile.size, scenarios)
        let end = Swift.min(tiles.upperBound * ScenarioTile.size, scenarios)
        return UInt64(first)..<UInt64(end)
    }
}
