import Foundation
import TailGridJob
import TailGridJournal
import TailGridProtocol

/// Transitions of workers: joining, leaving, falling silent, offending, quarantined.
extension CoordinatorState {
    /// A worker joined. Refused when its name is quarantined, and after shutdown (a
    /// stream opened then would keep the server's graceful shutdown waiting forever).
    mutating func register(name: String, slots: Int, machine: ResultDocument.Provenance, outbound: Outbound,
                           takesGroups: Bool = false, now: ContinuousClock.Instant) throws(ClusterError) -> UInt64 {
        guard !closed else {
            throw ClusterError(.unavailable, "the coordinator is shutting down; join its successor")
        }
        guard !quarantined.contains(name) else {
            log("refused worker '\(name)': it is quarantined", .warning)
            throw ClusterError(.refused, "worker '\(name)' is quarantined by this coordinator")
        }
        let id = nextWorker
        nextWorker += 1
        let slots = Swift.min(Swift.max(1, slots), 1024)
        workers[id] = Worker(id: id, name: name, slots: slots, machine: machine, outbound: outbound, takesGroups: takesGroups,
                             lastHeard: now)
        var welcome = Tailgrid_V1_CoordinatorMessage()
        welcome.welcome.protocolVersion = Wire.protocolVersion
        welcome.welcome.workerID = "\(name)#\(id)"
        welcome.welcome.heartbeatIntervalSeconds = configuration.heartbeatInterval.seconds
        welcome.welcome.leaseTimeoutSeconds = configuration.leaseTimeout.seconds
        welcome.welcome.maxMessageBytes = UInt64(configuration.limits.maxMessageBytes)
        welcome.welcome.acceptsCompactTails = true
        outbound.yield(welcome)
        log("worker \(name)#\(id) joined with \(slots) slots", worker: "\(name)#\(id)")
        dispatch(now: now)
        publishAll(now: now)
        return id
    }

    /// A worker is gone (or sent away): its stream is closed and its leases go back to
    /// the queue, counted as failed attempts when `counts`.
    mutating func unregister(worker id: UInt64, reason: String, counts: Bool = true, now: ContinuousClock.Instant) {
        guard let worker = workers.removeValue(forKey: id) else { return }
        worker.outbound.finish()
        let counted = counts && !worker.draining
        for leaseID in worker.leases {
            failLease(leaseID, reason: "worker \(worker.label) \(reason)", cause: counted ? .workerLost : .notCounted, now: now)
        }
        log("worker \(worker.label) left: \(reason)", worker: worker.label)
        dispatch(now: now)
        publishAll(now: now)
    }

    /// The worker is shutting down: it gets no more chunks, and what it holds when it
    /// leaves is requeued without counting an attempt.
    mutating func markDraining(worker id: UInt64) {
        guard let worker = workers[id], !worker.draining else { return }
        workers[id]?.draining = true
        log("worker \(worker.label) is draining", worker: worker.label)
    }

        mutating func heard(from id: UInt64, now: ContinuousClock.Instant) {
        workers[id]?.lastHeard = now
    }

    /// A worker silent for longer than the lease timeout is lost: its leases go back to the
    /// queue and its stream is closed (it may reconnect), so no chunk is handed back to it.
    mutating func expireLeases(now: ContinuousClock.Instant) {
        for worker in workers.values where now - worker.lastHeard > configuration.leaseTimeout {
            unregister(worker: worker.id, reason: "sent no heartbeat for \(configuration.leaseTimeout); its leases expired", now: now)
        }
    }

    /// Counts an offence against a worker's name; at `maxOffenses` it is quarantined.
    mutating func offend(worker id: UInt64, _ what: String, now: ContinuousClock.Instant) {
        guard let worker = workers[id] else { return }
        let count = offences[worker.name, default: 0] + 1
        offences[worker.name] = count
        log("worker \(worker.label): \(what) (offence \(count) of \(configuration.maxOffenses))", .warning, worker: worker.label)
        if count >= configuration.maxOffenses {
            quarantine(name: worker.name, reason: "\(count) offences; the last: \(what)", now: now)
        }
    }

    /// Sends every worker of this name away and refuses it from now on. Its leases go to
    /// other workers without counting as attempts: the fault is the worker's, not the
    /// chunk's. Every unfinished job it delivered a merged summary to starts over without
    /// it: nothing it computed is trusted, nor the floors its losses set.
    mutating func quarantine(name: String, reason: String, now: ContinuousClock.Instant, job: String? = nil) {
        func record(in job: String) {
            withJob(job) { if !$0.audit.quarantinedWorkers.contains(name) { $0.audit.quarantinedWorkers.append(name) } }
        }
        if let job { record(in: job) }
        guard quarantined.insert(name).inserted else { return }
        self.record(.quarantined(name: name))
        log("worker '\(name)' quarantined: \(reason)", .error)
        for worker in workers.values where worker.name == name {
            unregister(worker: worker.id, reason: "quarantined", counts: false, now: now)
        }
        for id in schedulingOrder() where withJob(id, { $0.deliveredBy.contains(name) }) == true {
            record(in: id)
            restart(job: id, reason: "worker '\(name)' was quarantined after delivering summaries to it", now: now)
        }
    }

    /// Live workers that may take chunks, except `worker`.
    func hasOtherActiveWorker(than worker: UInt64) -> Bool {
        workers.values.contains { $0.id != worker && !$0.draining }
    }
}
