/// The fixed block of scenarios the engine computes at once.
///
/// Tiles are aligned to multiples of `size` in the global scenario index, and every tile
/// is computed whole, whatever chunk asked for it. BLAS therefore always sees the same
/// matrix shapes with the same rows in the same places, so a scenario's numbers cannot
/// depend on the chunk size, the thread count or the worker that computed it, even where
/// a BLAS kernel treats edge rows differently.
public enum ScenarioTile {
    public static let size = 256

    /// The first scenario of the tile holding `scenario`.
    @inlinable
    public static func start(of scenario: UInt64) -> UInt64 {
        scenario - scenario % UInt64(size)
    }
}
