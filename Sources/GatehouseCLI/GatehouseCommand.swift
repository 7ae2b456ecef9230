import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseServer
import GatehouseStore
import Hummingbird
import Logging
import NIOCore
import UnixSignals

public struct GatehouseCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract: "Multi-tenant authentication and authorization server.",
        subcommands: [
            Serve.self, Migrate.self, Backup.self, TenantCommand.self, UserCommand.self, KeysCommand.self, EventsCommand.self,
            PasswordsCommand.self, ClientCommand.self,
        ],
        defaultSubcommand: Serve.self)
    public init() {}
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (SQLite in ./data by default).")
    @OptionGroup var common: CommonOptions
    @Option(help: "Listen address (GATEHOUSE_HOST)") var host: String?
    @Option(help: "Listen port (GATEHOUSE_PORT)") var port: Int?
    @Option(name: .customLong("tls-cert"), help: "Serve TLS with this PEM certificate chain, leaf first; reloaded on SIGHUP (GATEHOUSE_TLS_CERT)")
    var tlsCertificate: String?
    @Option(name: .customLong("tls-key"), help: "The certificate's PEM private key (GATEHOUSE_TLS_KEY)") var tlsKey: String?

    func run() async throws {
        tuneMalloc()
        ignoreFileSizeSignal()
        let logger = common.logger()
        let configuration = try common.configuration(host: host, port: port, tlsCertificate: tlsCertificate, tlsKey: tlsKey)
        // Loaded before anything opens: a missing or mismatched pair is an error at start, not at the first handshake.
        let tls = try configuration.tls.map { files in
            do { return try TLSContextStore(files: files) } catch {
                throw ValidationError("cannot serve TLS with \(files.certificatePath) and \(files.keyPath): \(TLSContextStore.describe(error))")
            }
        }
        let runtime = try await GatehouseRuntime.open(configuration: configuration, logger: logger)
        if let key = runtime.generatedSystemKey { printSystemKey(key) }
        logger.info(
            "gatehouse starting",
            metadata: [
                "address": "\(configuration.host):\(configuration.port)", "tls": "\(tls != nil)",
                "database": "\((try? DatabaseURL(configuration.databaseURL))?.redacted ?? "?")",
                "openFiles": "\(raiseOpenFileLimit())", "maxConnections": "\(configuration.connections.maxConnections)",
            ])
        let app = buildApplication(runtime: runtime, configuration: configuration, tls: tls, logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply database migrations and exit.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let c = try common.configuration()
        let database = try await openDatabase(try DatabaseURL(c.databaseURL), logger: common.logger())
        do {
            let applied = try await Migrator(database: database).migrate()
            print(applied.isEmpty ? "schema is up to date" : "applied migrations: \(applied.map(String.init).joined(separator: ", "))")
            await database.shutdown()
        } catch {
            await database.shutdown()
            throw error
        }
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the live SQLite database to a new file, consistently, while the server keeps serving.")
    @OptionGroup var common: CommonOptions
    @Option(help: "The file to write (must not exist)") var to: String

    func run() async throws {
        let c = try common.configuration()
        switch try DatabaseURL(c.databaseURL) {
        case .sqlite(let path):
            let pages = try SQLiteBackup.copy(from: path, to: to)
            print("copied \(pages) pages to \(to)")
        case .postgres:
            // A PostgreSQL database is backed up by PostgreSQL's own tools, which know its whole state.
            FileHandle.standardError.write(Data("the database is PostgreSQL: back it up with pg_dump (or your provider's backups)\n".utf8))
            throw ExitCode(2)
        }
    }
}

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Manage tenants.", subcommands: [Create.self, AdminToken.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a tenant; prints its project key, admin JWT and API private key once.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Project name") var name: String

        func run() async throws {
            try await common.withRuntime { runtime in
                let created = try await runtime.engine.tenants.create(CreateTenantInput(projectName: name))
                print("tenant id:        \(created.tenant.id)")
                print("project key:      \(created.tenant.projectApiKey)")
                print("testnet key:      \(created.tenant.testnetProjectApiKey)")
                print("admin JWT:        \(created.adminJWT)")
                print("API private key:  \(created.apiPrivateKey)")
            }
        }
    }

    struct AdminToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "admin-token", abstract: "Issue a new tenant-admin JWT.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Tenant id") var tenant: String

        func run() async throws {
            try await common.withRuntime { runtime in
                guard try await runtime.engine.store.tenant(id: tenant) != nil else {
                    throw ValidationError("no tenant \(tenant)")
                }
                print(try await runtime.engine.tenants.issueAdminToken(tenantId: tenant))
            }
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a local user; the password is read from standard input, never from a flag.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Tenant id (default: the default tenant)") var tenant: String?
        @Option(help: "Email") var email: String?
        @Option(help: "Username") var username: String?
        @Flag(help: "Read the password from the first line of standard input") var passwordStdin = false

        func validate() throws {
            guard email != nil || username != nil else { throw ValidationError("give --email or --username") }
        }

        func run() async throws {
            var password: String?
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw ValidationError("no password on standard input")
                }
                password = line
            }
            try await common.withRuntime { runtime in
                let id = try await EventsCommand.tenantId(tenant, runtime)
                let user = try await runtime.engine.users.create(
                    tenantId: id, NewLocalUser(email: email, username: username, password: password))
                print("user id: \(user.id)")
            }
        }
    }
}

struct PasswordsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwords", abstract: "Password hashing.", subcommands: [Calibrate.self])

    struct Calibrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure bcrypt hashes per second on all cores at a cost (to choose GATEHOUSE_BCRYPT_COST).")
        @Option(help: "bcrypt cost") var cost: Int = 12
        @Option(help: "Seconds to measure") var seconds: Double = 5

        func validate() throws {
            guard (4...16).contains(cost) else { throw ValidationError("cost must be from 4 to 16") }
        }

        func run() async throws {
            let pool = ThreadPoolCPUWork()
            let hasher = PasswordHasher(pool: pool, cost: UInt8(cost))
            let cores = System.coreCount
            let start = ContinuousClock.now
            let deadline = start.advanced(by: .milliseconds(Int(seconds * 1000)))
            let count = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<cores {
                    group.addTask {
                        var n = 0
                        while ContinuousClock.now < deadline {
                            _ = try await hasher.hash("calibration password")
                            n += 1
                        }
                        return n
                    }
                }
                return try await group.reduce(0, +)
            }
            let elapsed = ContinuousClock.now - start
            let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(String(format: "bcrypt cost %d: %.1f hashes/s on %d cores (%d in %.1f s)", cost, Double(count) / secs, cores, count, secs))
            await pool.shutdown()
        }
    }
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage signing keys.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new current signing key; the old public key stays published until its tokens expire.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Tenant id (default: the default tenant)") var tenant: String?

        func run() async throws {
            try await common.withRuntime { runtime in
                let id = try await EventsCommand.tenantId(tenant, runtime)
                print("new key id: \(try await runtime.engine.rotateSigningKey(tenantId: id))")
            }
        }
    }
}

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Read the audit log.", subcommands: [Tail.self, Verify.self])

    /// The tenant a command names, or the default tenant; an unknown id is an error.
    static func tenantId(_ given: String?, _ runtime: GatehouseRuntime) async throws -> String {
        if let given {
            guard try await runtime.engine.store.tenant(id: given) != nil else { throw ValidationError("no tenant \(given)") }
            return given
        }
        guard let t = try await runtime.engine.store.defaultTenant() else { throw ValidationError("no default tenant") }
        return t.id
    }

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the latest events of a tenant as JSON lines.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Tenant id (default: the default tenant)") var tenant: String?
        @Option(help: "How many events") var count: Int = 20

        func run() async throws {
            try await common.withRuntime { runtime in
                let id = try await EventsCommand.tenantId(tenant, runtime)
                var all: [AuditEvent] = []
                var after: Int64 = 0
                while true {
                    let batch = try await runtime.engine.store.events(tenantId: id, afterSequence: after, limit: 1000)
                    if batch.isEmpty { break }
                    all.append(contentsOf: batch)
                    if all.count > count { all.removeFirst(all.count - count) }
                    after = batch.last!.sequence
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for e in all {
                    let line: [String: JSONValue] = [
                        "seq": .number(Double(e.sequence)), "at": .string(e.createdAt.rfc3339), "type": .string(e.currentType),
                        "subject": e.subject.map(JSONValue.string) ?? .null,
                        "data": (try? JSONDecoder().decode(JSONValue.self, from: Data(e.data.utf8))) ?? .null,
                        "hash": .string(e.hash),
                    ]
                    print(String(decoding: try encoder.encode(line), as: UTF8.self))
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the tenant's audit hash chain.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Tenant id (default: the default tenant)") var tenant: String?

        func run() async throws {
            try await common.withRuntime { runtime in
                let id = try await EventsCommand.tenantId(tenant, runtime)
                let verdict = try await runtime.engine.events.verify(tenantId: id)
                if let broken = verdict.brokenAt {
                    print("audit chain BROKEN at sequence \(broken)")
                    throw ExitCode(2)
                }
                print(verdict.checkpoint.map { "audit chain intact from checkpoint \($0) (events up to it were pruned)" } ?? "audit chain intact")
            }
        }
    }
}

/// Entry point for the `gatehouse` executable.
public func runGatehouse() async {
    await GatehouseCommand.main()
}
