/// Keeps the `capacity` largest losses seen, as a bounded min-heap.
///
/// A loss below `floor` is never kept: the coordinator of a distributed run passes the
/// lowest loss still inside the tails it already holds, since nothing smaller can enter.
public struct TailSelector: Sendable {
    public let capacity: Int
    public let floor: Double
    /// Heap ordered so that the element ranked last in the tail sits at the root.
    @usableFromInline var heap: [TailLoss]

    public init(capacity: Int, floor: Double = -.infinity) {
        precondition(capacity > 0, "a tail keeps at least one loss")
        self.capacity = capacity
        self.floor = floor
        self.heap = []
        heap.reserveCapacity(Swift.min(capacity, 1 << 16))
    }

    /// The loss a new one must rank before to be kept, once the heap is full.
    @inlinable
    public var admissionLoss: Double {
        heap.count < capacity ? floor : Swift.max(floor, heap[0].loss)
    }

    @inlinable
    public mutating func offer(loss: Double, scenario: UInt64) {
        guard loss >= floor else { return }
        let candidate = TailLoss(loss: loss, scenario: scenario)
        if heap.count < capacity {
            heap.append(candidate)
            siftUp(heap.count - 1)
        } else if candidate.ranksBefore(heap[0]) {
            heap[0] = candidate
            siftDown(0)
        }
    }

    /// The kept losses, ranked largest first.
    public func rankedTail() -> [TailLoss] {
        heap.sorted { $0.ranksBefore($1) }
    }

    @usableFromInline
    mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[parent].ranksBefore(heap[child]) else { return }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    @usableFromInline
    mutating func siftDown(_ start: Int) {
        var parent = start
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { return }
            var last = left
            let right = left + 1
            if right < count && heap[left].ranksBefore(heap[right]) { last = right }
            guard heap[parent].ranksBefore(heap[last]) else { return }
            heap.swapAt(parent, last)
            parent = last
        }
    }
}
