/// The pieces of work `LocalRunner` hands its threads: every chunk whole, except that
/// when the chunks do not divide evenly among the threads, each of the last
/// (chunks mod threads) chunks is cut at tile boundaries into one piece per thread, so
/// that no thread computes a last chunk alone while the others wait (13 chunks on 2
/// threads: 6 whole chunks and a half each). A chunk counts as done (for progress) when
/// its every piece is; the moments and tails its pieces add to are exact, so the cut does
/// not change a bit.
struct LocalWorkPieces: Sendable {
    struct Piece: Sendable {
        let chunk: Int
        /// Its position among its chunk's pieces.
        let index: Int
        let range: Range<UInt64>
    }

    /// Whole chunks first, then the cut chunks' pieces.
    let pieces: [Piece]
    /// For each cut chunk, its number of pieces.
    let piecesPerCutChunk: [Int: Int]

    /// The pieces of the chunks in `chunkRange` (nil: every chunk), the last (count mod
    /// threads) of them cut.
    init(chunks: ChunkPlan, chunkRange: Range<Int>? = nil, threads: Int) {
        let chunkRange = chunkRange ?? 0..<chunks.chunkCount
        let remainder = threads > 1 ? chunkRange.count % threads : 0
        var pieces: [Piece] = []
        var piecesPerCutChunk: [Int: Int] = [:]
        for chunk in chunkRange {
            let range = chunks.range(ofChunk: chunk)
            let tile = UInt64(ScenarioTile.size)
            // One piece per thread, each a whole number of tiles; a chunk of one tile stays whole.
            let length = (UInt64(range.count) + UInt64(threads) - 1) / UInt64(Swift.max(1, threads))
            let pieceLength = (length + tile - 1) / tile * tile
            guard chunk >= chunkRange.upperBound - remainder, pieceLength < UInt64(range.count) else {
                pieces.append(Piece(chunk: chunk, index: 0, range: range))
                continue
            }
            var start = range.lowerBound
            var index = 0
            var cut: [Piece] = []
            while start < range.upperBound {
                let end = Swift.min(start + pieceLength, range.upperBound)
                cut.append(Piece(chunk: chunk, index: index, range: start..<end))
                start = end
                index += 1
            }
            piecesPerCutChunk[chunk] = cut.count
            pieces += cut
        }
        // Whole chunks before pieces: the pieces fill the threads' last gaps.
        self.pieces = pieces.filter { piecesPerCutChunk[$0.chunk] == nil } + pieces.filter { piecesPerCutChunk[$0.chunk] != nil }
        self.piecesPerCutChunk = piecesPerCutChunk
    }
}
