import Logging
import ServiceLifecycle
import TailGridCluster
import TailGridJob
import UnixSignals

/// Re-reads the coordinator's token files on SIGHUP, so tokens rotate without a restart
/// (and without losing a job): open Work streams and watches keep running, new calls
/// need a current token. A file that no longer reads, or holds a weak token, is logged as
/// an error and the previous tokens stay in force.
struct TokenReloadService: Service {
    let access: ClusterAccess
    let logger: Logger
    let read: @Sendable () throws(JobError) -> ClusterTokens

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            do throws(JobError) {
                let tokens = try read()
                access.replaceTokens(tokens)
                logger.notice("SIGHUP: token files re-read: \(tokens.worker.count) worker and \(tokens.client.count) client tokens in force")
            } catch {
                logger.error("SIGHUP: the token files could not be re-read, the previous tokens stay in force: \(error)")
            }
        }
    }
}
