import Foundation
import GatehouseCore
import GatehouseStore
import Logging
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 16, item 3: a PostgreSQL that cannot be reached costs an operation the acquire timeout, then a
/// clear error, instead of a wait as long as the pool keeps retrying. (Nothing listens on the port: a
/// loopback port taken and closed again just before.)
@Suite struct PostgresUnreachableTests {
    @Test func anOperationGivesUpAfterTheAcquireTimeout() async throws {
        let port = try closedLoopbackPort()
        var options = DatabaseOptions()
        options.acquireTimeout = .milliseconds(300)
        let db = try await openDatabase(try DatabaseURL("postgres://gatehouse@127.0.0.1:\(port)/none"), logger: Logger(label: "t"), options: options)
        let store = SQLStore(database: db, logger: Logger(label: "t"))
        let started = ContinuousClock.now
        await #expect(throws: GatehouseError.self) { _ = try await store.tenant(id: "t") }
        let took = ContinuousClock.now - started
        // A liveness bound, not a timing assertion: the suite's parallel tests can hold up a timer on two
        // cores (e2e/test_postgres_faults.py checks the time a node takes on its own).
        #expect(took >= .milliseconds(300) && took < .seconds(30), "gave up after \(took)")
        #expect(await store.isReady() == false)
        await db.shutdown()
    }

    func closedLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                guard bind(fd, $0, length) == 0, getsockname(fd, $0, &length) == 0 else { throw GatehouseError(.internalError, "no port") }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
