/// The version written into every result file.
public enum EngineVersion {
    public static let current = "0.1.0"
}
