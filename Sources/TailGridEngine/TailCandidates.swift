import TailGridNumerics

/// Where `LossMoments.add(negatedProfits:count:firstScenario:scratch:offeringTo:)` sends
/// the losses that may enter a tail: a chunk's own `TailSelector`, or a local run's
/// thread handing them on to its shared tails (`HeldCandidates`).
public protocol TailCandidates {
    /// The loss a candidate must reach now; it only rises.
    var admissionLoss: Double { get }
    /// Takes a finite loss, which it may drop when it is below `admissionLoss`.
    mutating func offer(loss: Double, scenario: UInt64)
}

extension TailSelector: TailCandidates {}
