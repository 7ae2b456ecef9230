import ArgumentParser
import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseServer
import GatehouseStore
import Logging
import NIOCore

/// Flags shared by every command; each falls back to its `GATEHOUSE_*` environment variable.
struct CommonOptions: ParsableArguments {
    @Option(help: "Database URL (GATEHOUSE_DATABASE_URL): sqlite://./data/gatehouse.sqlite or postgres://user:pass@host:5432/db")
    var database: String?

    @Option(help: "Folder for the SQLite file and the master key file (GATEHOUSE_DATA_DIR)")
    var dataDir: String?

    @Option(help: "Public base URL; issuers are <public-url>/t/<tenantId> (GATEHOUSE_PUBLIC_URL)")
    var publicUrl: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (GATEHOUSE_LOG_LEVEL)")
    var logLevel: String?

    func value(_ flag: String?, _ env: String) -> String? {
        flag ?? ProcessInfo.processInfo.environment[env].flatMap { $0.isEmpty ? nil : $0 }
    }

    func configuration(host: String? = nil, port: Int? = nil, tlsCertificate: String? = nil, tlsKey: String? = nil) throws
        -> ServerConfiguration
    {
        var c = ServerConfiguration()
        c.dataDirectory = value(dataDir, "GATEHOUSE_DATA_DIR") ?? "./data"
        c.databaseURL =
            value(database, "GATEHOUSE_DATABASE_URL")
            ?? "sqlite://" + (c.dataDirectory as NSString).appendingPathComponent("gatehouse.sqlite")
        c.host = host ?? value(nil, "GATEHOUSE_HOST") ?? "127.0.0.1"
        if let port { c.port = port } else if let p = value(nil, "GATEHOUSE_PORT") {
            guard let v = Int(p), (0...65535).contains(v) else { throw ValidationError("GATEHOUSE_PORT must be a port number") }
            c.port = v
        }
        switch (value(tlsCertificate, "GATEHOUSE_TLS_CERT"), value(tlsKey, "GATEHOUSE_TLS_KEY")) {
        case (nil, nil): c.tls = nil
        case let (certificate?, key?): c.tls = TLSFiles(certificatePath: certificate, keyPath: key)
        default: throw ValidationError("--tls-cert and --tls-key (GATEHOUSE_TLS_CERT, GATEHOUSE_TLS_KEY) go together")
        }
        // A loopback listener is published as localhost: browsers refuse an IP address as a WebAuthn
        // relying party id (W3C WebAuthn §5.1.3 uses the effective domain), so passkeys work out of the box.
        let loopback: Set<String> = ["127.0.0.1", "::1", "0.0.0.0", "localhost"]
        let publicHost = loopback.contains(c.host) ? "localhost" : c.host
        let scheme = c.tls == nil ? "http" : "https"
        c.engine.publicURL = value(publicUrl, "GATEHOUSE_PUBLIC_URL") ?? "\(scheme)://\(publicHost):\(c.port)"
        c.masterKeyBase64 = value(nil, "GATEHOUSE_MASTER_KEY")
        c.engine.systemAPIKey = value(nil, "GATEHOUSE_SYSTEM_API_KEY")
        if let d = value(nil, "GATEHOUSE_IDENTIFIER_DOMAIN") { c.engine.identifierDomain = d }
        c.engine.accessTokenTTL = try seconds("GATEHOUSE_ACCESS_TOKEN_TTL") ?? c.engine.accessTokenTTL
        c.engine.refreshTokenTTL = try seconds("GATEHOUSE_REFRESH_TOKEN_TTL") ?? c.engine.refreshTokenTTL
        c.engine.adminTokenTTL = try seconds("GATEHOUSE_ADMIN_TOKEN_TTL") ?? c.engine.adminTokenTTL
        c.engine.stepUpMaxAge = try seconds("GATEHOUSE_STEP_UP_MAX_AGE") ?? c.engine.stepUpMaxAge
        if let days = value(nil, "GATEHOUSE_EVENT_RETENTION_DAYS") {
            guard let d = Int(days), d > 0, d <= 36_500 else { throw ValidationError("GATEHOUSE_EVENT_RETENTION_DAYS must be a number of days") }
            c.engine.eventRetention = TimeInterval(d) * 86_400
        }
        c.engine.outbound.allowPrivate = try flag("GATEHOUSE_ALLOW_PRIVATE_FETCH") ?? c.engine.outbound.allowPrivate
        c.engine.webhookAllowPrivate = try flag("GATEHOUSE_WEBHOOK_ALLOW_PRIVATE") ?? c.engine.webhookAllowPrivate
        c.webhookDispatch = try flag("GATEHOUSE_WEBHOOK_DISPATCH") ?? c.webhookDispatch
        c.webhookRetryBase = try seconds("GATEHOUSE_WEBHOOK_RETRY_BASE") ?? c.webhookRetryBase
        c.webhookTimeout = try seconds("GATEHOUSE_WEBHOOK_TIMEOUT") ?? c.webhookTimeout
        if let t = try milliseconds("GATEHOUSE_HEADER_TIMEOUT"), t > 0 { c.connections.headerTimeout = .milliseconds(t) }
        if let t = try milliseconds("GATEHOUSE_BODY_TIMEOUT"), t > 0 { c.connections.bodyTimeout = .milliseconds(t) }
        if let t = try milliseconds("GATEHOUSE_KEEPALIVE_TIMEOUT"), t > 0 { c.connections.keepAliveTimeout = .milliseconds(t) }
        if let n = value(nil, "GATEHOUSE_MAX_CONNECTIONS") {
            guard let max = Int(n), max > 0, max <= 1_000_000 else { throw ValidationError("GATEHOUSE_MAX_CONNECTIONS must be a positive number") }
            c.connections.maxConnections = max
        }
        if let wait = try milliseconds("GATEHOUSE_DATABASE_ACQUIRE_TIMEOUT"), wait > 0 { c.database.acquireTimeout = .milliseconds(wait) }
        if let wait = try milliseconds("GATEHOUSE_SQLITE_BUSY_TIMEOUT"), wait > 0 { c.database.sqliteBusyTimeout = .milliseconds(wait) }
        if let limit = try milliseconds("GATEHOUSE_DATABASE_STATEMENT_TIMEOUT") {
            c.database.statementTimeout = limit == 0 ? nil : .milliseconds(limit)
        }
        if let cost = value(nil, "GATEHOUSE_BCRYPT_COST") {
            guard let bcryptCost = UInt8(cost), (10...16).contains(bcryptCost) else {
                throw ValidationError("GATEHOUSE_BCRYPT_COST must be from 10 to 16")
            }
            c.engine.bcryptCost = bcryptCost
        }
        if let proxies = value(nil, "GATEHOUSE_TRUSTED_PROXIES") {
            c.trustedProxies = Set(proxies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        if let origins = value(nil, "GATEHOUSE_CORS_ORIGINS") {
            let list = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            do {
                c.engine.corsOrigins = try WebOrigin.serializedList(list, field: "GATEHOUSE_CORS_ORIGINS")
            } catch let error as GatehouseError {
                throw ValidationError(error.message)
            }
        }
        for (env, apply) in [
            ("GATEHOUSE_CORS_MAX_AGE", { (v: Int) in c.engine.corsMaxAge = v }),
            ("GATEHOUSE_LOGIN_ACCOUNT_LIMIT", { (v: Int) in c.engine.bruteForce.accountLimit = v }),
            ("GATEHOUSE_LOGIN_ADDRESS_LIMIT", { (v: Int) in c.engine.bruteForce.addressLimit = v }),
        ] as [(String, (Int) -> Void)] {
            if let raw = value(nil, env) {
                guard let v = Int(raw), v > 0 else { throw ValidationError("\(env) must be a positive number") }
                apply(v)
            }
        }
        c.fcmCredentials = value(nil, "GATEHOUSE_FCM_CREDENTIALS")
        if let base = value(nil, "GATEHOUSE_FCM_BASE_URL") { c.fcmBaseURL = base }
        c.fcmTokenURI = value(nil, "GATEHOUSE_FCM_TOKEN_URI")
        if let alg = value(nil, "GATEHOUSE_SIGNING_ALGORITHM") {
            guard let a = SigningAlgorithm(rawValue: alg) else {
                throw ValidationError("GATEHOUSE_SIGNING_ALGORITHM must be ES256 or EdDSA")
            }
            c.engine.signingAlgorithm = a
        }
        return c
    }

    /// A true/false setting (1, true, yes / 0, false, no); nil when unset.
    private func flag(_ env: String) throws -> Bool? {
        guard let v = value(nil, env) else { return nil }
        guard let on = ["1": true, "true": true, "yes": true, "0": false, "false": false, "no": false][v.lowercased()] else {
            throw ValidationError("\(env) must be true or false")
        }
        return on
    }

    private func seconds(_ env: String) throws -> TimeInterval? {
        guard let v = value(nil, env) else { return nil }
        guard let s = Int(v), s > 0 else { throw ValidationError("\(env) must be a positive number of seconds") }
        return TimeInterval(s)
    }

    /// Seconds with a fraction ("1.5"), as milliseconds; 0 is allowed (for "none" where it means that).
    private func milliseconds(_ env: String) throws -> Int64? {
        guard let v = value(nil, env) else { return nil }
        guard let s = Double(v), s >= 0, s <= 86_400 else { throw ValidationError("\(env) must be a number of seconds (1.5, 30, 0)") }
        return Int64((s * 1000).rounded())
    }

    func logger() -> Logger {
        var logger = Logger(label: "gatehouse")
        logger.logLevel = value(logLevel, "GATEHOUSE_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info
        return logger
    }

    /// Opens the runtime for a one-off command and closes it afterwards.
    func withRuntime<T>(_ body: (GatehouseRuntime) async throws -> T) async throws -> T {
        var logger = logger()
        logger.logLevel = max(logger.logLevel, .warning)
        let runtime = try await GatehouseRuntime.open(configuration: try configuration(), logger: logger)
        if let key = runtime.generatedSystemKey { printSystemKey(key) }
        do {
            let result = try await body(runtime)
            await runtime.shutdown()
            return result
        } catch {
            await runtime.shutdown()
            throw error
        }
    }
}

func printSystemKey(_ key: String) {
    FileHandle.standardError.write(
        Data(
            """
            ============================================================================
            A system API key was generated (shown once; only its hash is stored):
              \(key)
            Set GATEHOUSE_SYSTEM_API_KEY to choose your own instead.
            ============================================================================

            """.utf8))
}
