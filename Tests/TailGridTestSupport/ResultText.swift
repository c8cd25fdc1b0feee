import Foundation

/// result.json as text for comparing two runs byte for byte: without the lines that may
/// differ between equal computations (`elapsed_seconds`, the cluster's `audit` block, and
/// `computed_by`, which says where, not what: on a cluster it lists the workers' machines).
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
            if line.hasPrefix("  \"audit\" : {") || line.hasPrefix("  \"computed_by\" : {") {
                inAudit = !line.hasSuffix("}") && !line.hasSuffix("},")
                continue
            }
            if line.contains("\"elapsed_seconds\"") { continue }
            kept.append(line)
        }
        return kept.joined(separator: "\n")
    }
}
