extension PositionMatrix {
    /// accountProfit = Q x instrumentProfit for the dense layout, with the sparse rows'
    /// arithmetic: each entry is 0 + q1 x1 + q2 x2 + ... over every instrument in
    /// ascending order, never fused. A held-nothing term adds 0 x x = +-0 (x is finite),
    /// and a sum that starts at +0 is never -0, so adding it changes no bit: the dense
    /// and sparse layouts, and an account's row alone (a what-if), give the same bits on
    /// every machine, which a BLAS dgemm (its own blocking and fused multiply-adds)
    /// cannot promise.
    ///
    /// Blocked like a small gemm: a panel of accounts whose quantities stay in L2, a strip
    /// of 8 columns of the instruments' P&L that stays in L1, and 4 accounts x 8 columns
    /// summed in registers, so each P&L load feeds 4 accounts and each quantity 8 columns.
    func accumulateDense(q: UnsafePointer<Double>, instrumentProfit: UnsafePointer<Double>,
                         into accountProfit: UnsafeMutablePointer<Double>, width: Int) {
        let instruments = instrumentCount
        let panel = Swift.max(Self.denseGroup, (Self.densePanelBytes / (instruments * 8)) / Self.denseGroup * Self.denseGroup)
        withUnsafeTemporaryAllocation(of: SIMD8<Double>.self, capacity: instruments) { strip in
            let packed = strip.baseAddress!
            var panelStart = 0
            while panelStart < accountCount {
                let panelEnd = Swift.min(accountCount, panelStart + panel)
                var column = 0
                while column + 8 <= width {
                    for instrument in 0..<instruments {
                        packed[instrument] = UnsafeRawPointer(instrumentProfit + instrument * width + column)
                            .loadUnaligned(as: SIMD8<Double>.self)
                    }
                    var account = panelStart
                    while account + Self.denseGroup <= panelEnd {
                        Self.denseGroupOfFour(q: q + account * instruments, instruments: instruments, strip: packed,
                                              target: accountProfit + account * width + column, width: width)
                        account += Self.denseGroup
                    }
                    while account < panelEnd {
                        Self.denseSingle(q: q + account * instruments, instruments: instruments, strip: packed,
                                         target: accountProfit + account * width + column)
                        account += 1
                    }
                    column += 8
                }
                if column < width {
                    Self.denseRemainder(q: q, accounts: panelStart..<panelEnd, instruments: instruments,
                                        instrumentProfit: instrumentProfit, columns: column..<width,
                                        into: accountProfit, width: width)
                }
                panelStart = panelEnd
            }
        }
    }

    /// Columns past the last whole strip of 8, one entry at a time.
    static func denseRemainder(q: UnsafePointer<Double>, accounts: Range<Int>, instruments: Int,
                               instrumentProfit: UnsafePointer<Double>, columns: Range<Int>,
                               into accountProfit: UnsafeMutablePointer<Double>, width: Int) {
        for account in accounts {
            let quantities = q + account * instruments
            for column in columns {
                var sum = 0.0
                for instrument in 0..<instruments {
                    sum = sum + quantities[instrument] * instrumentProfit[instrument * width + column]
                }
                accountProfit[account * width + column] = sum
            }
        }
    }

    /// Four accounts (rows `instruments` apart from `q`) x 8 columns.
    @inline(__always)
    static func denseGroupOfFour(q: UnsafePointer<Double>, instruments: Int, strip: UnsafePointer<SIMD8<Double>>,
                                 target: UnsafeMutablePointer<Double>, width: Int) {
        var s0 = SIMD8<Double>(), s1 = SIMD8<Double>(), s2 = SIMD8<Double>(), s3 = SIMD8<Double>()
        let q0 = q, q1 = q + instruments, q2 = q + 2 * instruments, q3 = q + 3 * instruments
        for instrument in 0..<instruments {
            let x = strip[instrument]
            s0 = s0 + SIMD8(repeating: q0[instrument]) * x
            s1 = s1 + SIMD8(repeating: q1[instrument]) * x
            s2 = s2 + SIMD8(repeating: q2[instrument]) * x
            s3 = s3 + SIMD8(repeating: q3[instrument]) * x
        }
        let stride = width * MemoryLayout<Double>.stride
        let out = UnsafeMutableRawPointer(target)
        out.storeBytes(of: s0, as: SIMD8<Double>.self)
        (out + stride).storeBytes(of: s1, as: SIMD8<Double>.self)
        (out + 2 * stride).storeBytes(of: s2, as: SIMD8<Double>.self)
        (out + 3 * stride).storeBytes(of: s3, as: SIMD8<Double>.self)
    }

    /// One account x 8 columns (the panel's last accounts when 4 do not divide it).
    @inline(__always)
    static func denseSingle(q: UnsafePointer<Double>, instruments: Int, strip: UnsafePointer<SIMD8<Double>>,
                            target: UnsafeMutablePointer<Double>) {
        var sum = SIMD8<Double>()
        for instrument in 0..<instruments {
            sum = sum + SIMD8(repeating: q[instrument]) * strip[instrument]
        }
        UnsafeMutableRawPointer(target).storeBytes(of: sum, as: SIMD8<Double>.self)
    }

    /// Accounts summed together in registers.
    static let denseGroup = 4
    /// Bytes of quantities a panel keeps (in L2 beside the P&L strip).
    static let densePanelBytes = 256 * 1024
}
