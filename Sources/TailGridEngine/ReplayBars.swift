import TailGridNumerics

/// What a replay of tail scenarios needs besides the plan: the accounts it explains and,
/// per account, the last entry of its tail (the k-th largest loss with its scenario) and
/// of its listed worst scenarios (the min(k, 10)-th). `TailLoss.ranksBefore` orders
/// (loss, scenario) strictly, so a scenario is in the account's tail exactly when its
/// finite loss ranks at or before the tail bar: a replay of any scenario range finds the
/// tail's entries in it from two entries per account, without being sent the tail.
public struct ReplayBars: Sendable, Hashable {
    /// Indices into the job's accounts, in the order of the explanations.
    public let accounts: [Int]
    public let tail: [TailLoss]
    public let worst: [TailLoss]
    /// k: the tail's length at the job's first confidence level.
    public let tailCount: Int

    public init(accounts: [Int], tail: [TailLoss], worst: [TailLoss], tailCount: Int) {
        self.accounts = accounts
        self.tail = tail
        self.worst = worst
        self.tailCount = tailCount
    }

    /// Whether `entry`, a replayed loss, is among the tail's k (or, with `worst`, the
    /// listed worst) entries of the account in `slot`.
    @inlinable
    public func admits(_ entry: TailLoss, slot: Int, worst listed: Bool = false) -> Bool {
        entry.loss.isFinite && !(listed ? worst[slot] : tail[slot]).ranksBefore(entry)
    }
}
