/// Columns padded to their widest cell and joined by two spaces: the terminal tables of
/// `run`, `explain` and `whatif`. Columns in `leftAligned` are padded on the right (names,
/// statuses), the others on the left (numbers).
enum TextTable {
    static func lines(_ rows: [[String]], leftAligned: Set<Int>) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { cells in
            cells.enumerated().map { column, cell in
                leftAligned.contains(column)
                    ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }
    }
}
