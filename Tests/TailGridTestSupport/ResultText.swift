import Foundation

/// result.json as text for comparing two runs byte for byte: without the lines that may
/// differ between equal computations (`elapsed_seconds`, and the cluster's `audit` block).
public enum ResultText {
    public static func comparable(_ json: Data) -> String {
        comparable(String(decoding: json, as: UTF8.self))
    }

    public static func comparable(_ text: String) -> String {
        var kept: [Substring] = []
        var inAudit = false
        for line in text.split(separator: "\n") {
            if inAudit {
                if line.hasPrefix("  }") { inAudit = false }
                continue
            }
            if line.hasPrefix("  \"audit\" : {") {
                inAudit = !line.hasSuffix("}") && !line.hasSuffix("},")
                continue
            }
            if line.contains("\"elapsed_seconds\"") { continue }
            kept.append(line)
        }
        return kept.joined(separator: "\n")
    }
}
