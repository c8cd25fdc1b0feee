import Testing
import tailgrid

/// The check that keeps a binary built for AVX2 from dying with SIGILL on an older CPU.
@Suite("CPU support check")
struct CPUSupportTests {
    static let sandyBridge = """
        processor\t: 0
        model name\t: Intel(R) Xeon(R) CPU E5-2670 0 @ 2.60GHz
        flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov sse sse2 ssse3 cx16 sse4_1 sse4_2 popcnt aes xsave avx
        """

    @Test func olderCPUIsNamedWhatItLacks() {
        let missing = CPUSupport.missingFeatures(cpuInfo: Self.sandyBridge)
        if CPUSupport.checksHaswell {
            #expect(missing == ["avx2", "fma", "bmi1", "bmi2", "movbe", "f16c"])
        } else {
            #expect(missing.isEmpty)
        }
    }

    /// This machine runs the tests, so it runs the kernels: nothing is missing here.
    @Test func thisMachineIsSupported() {
        #expect(CPUSupport.missingFeatures().isEmpty)
        let modern = Self.sandyBridge.replacingOccurrences(of: " avx", with: " avx avx2 fma bmi1 bmi2 movbe f16c")
        #expect(CPUSupport.missingFeatures(cpuInfo: modern).isEmpty)
        #expect(CPUSupport.missingFeatures(cpuInfo: "no flags at all").isEmpty)  // nothing to check against
    }
}
