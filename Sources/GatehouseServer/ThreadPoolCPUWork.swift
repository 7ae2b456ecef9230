import GatehouseCore
import NIOCore
import NIOPosix

/// bcrypt and friends on a NIOThreadPool the size of the cores: event loops never block, and no more
/// hashes run at once than there are cores to run them.
public final class ThreadPoolCPUWork: CPUWorkPool {
    let pool: NIOThreadPool

    public init(threads: Int = System.coreCount) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    public func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        try await pool.runIfActive(work)
    }

    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
