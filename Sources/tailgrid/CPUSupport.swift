import Foundation

/// Whether this machine's CPU runs the numeric kernels this binary was built for.
///
/// The kernels (TailGridNumerics, TailGridMarket, TailGridEngine) are compiled for the
/// CPU that TAILGRID_TARGET_CPU names at build time (Package.swift; `haswell` by default
/// on x86-64), the command-line front for any x86-64. On a CPU without those
/// instructions the kernels would die with SIGILL mid-job; the front checks first and
/// says what to do instead.
public enum CPUSupport {
    /// The instruction sets a `haswell` build uses that older x86-64 CPUs lack.
    public static let haswellFeatures = ["avx", "avx2", "fma", "bmi1", "bmi2", "movbe", "f16c"]

    /// True when the kernels were built for `haswell` (the build defines
    /// TAILGRID_KERNELS_HASWELL); other targets are the builder's own responsibility.
    public static var checksHaswell: Bool {
        #if TAILGRID_KERNELS_HASWELL
        return true
        #else
        return false
        #endif
    }

    /// The features this build needs and the CPU lacks; empty when it can run.
    public static func missingFeatures(cpuInfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> [String] {
        guard checksHaswell, let cpuInfo,
              let flagsLine = cpuInfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else {
            return []  // no /proc/cpuinfo (not Linux): nothing to check against
        }
        let flags = Set(flagsLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init))
        return haswellFeatures.filter { !flags.contains($0) }
    }
}
