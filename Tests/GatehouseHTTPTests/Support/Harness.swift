import Foundation
import GatehouseCore
@testable import GatehouseHTTP
import GatehouseOutbound
import GatehouseServer
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// A response as tests look at it.
struct Reply: Sendable {
    var status: Int
    var text: String
    var headers: HTTPFields
    var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }
    subscript(_ key: String) -> JSONValue? { json?.objectValue?[key] }
    func string(_ key: String) -> String? { self[key]?.stringValue }
}

/// Collects every log line, so tests can prove secrets never reach a log.
final class LogCollector: Sendable {
    let lines = Mutex<[String]>([])
    var all: String { lines.withLock { $0.joined(separator: "\n") } }

    struct Handler: LogHandler {
        let collector: LogCollector
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            collector.lines.withLock { $0.append("\(event.level) \(event.message) \(merged)") }
        }
    }

    var logger: Logger { Logger(label: "gatehouse-test") { _ in Handler(collector: self) } }
}

/// One Gatehouse on a fresh database (SQLite in a temp folder, or a fresh PostgreSQL database), driven
/// through the real router.
struct Harness: Sendable {
    static let systemKey = "sk_system_test_" + String(repeating: "k", count: 40)
    let runtime: GatehouseRuntime
    let clock: ManualClock
    let client: any TestClientProtocol
    let logs: LogCollector
    /// Every registered route as (method, path template).
    let routes: [(method: String, path: String)]
    let documented: DocumentedStatuses

    var engine: Engine { runtime.engine }

    func call(
        _ method: HTTPRequest.Method, _ path: String, headers: [String: String] = [:], json: JSONValue? = nil,
        body: String? = nil, contentType: String? = nil
    ) async throws -> Reply {
        var fields = HTTPFields()
        for (k, v) in headers { fields[HTTPField.Name(k)!] = v }
        var buffer: ByteBuffer?
        if let json {
            buffer = ByteBuffer(bytes: try JSONEncoder().encode(json))
            fields[.contentType] = contentType ?? "application/json"
        } else if let body {
            buffer = ByteBuffer(string: body)
            fields[.contentType] = contentType ?? "application/json"
        }
        let r = try await client.execute(uri: path, method: method, headers: fields, body: buffer)
        let status = Int(r.status.code)
        if let promised = documented.statuses(method, path), !promised.contains(status) {
            Issue.record("\(method) \(path) answered \(status), which /openapi.yaml does not document (it lists \(promised.sorted()))")
        }
        return Reply(status: status, text: String(buffer: r.body), headers: r.headers)
    }

    func post(_ path: String, _ json: JSONValue, headers: [String: String] = [:]) async throws -> Reply {
        try await call(.post, path, headers: headers, json: json)
    }

    // MARK: setup shortcuts

    struct TenantSetup: Sendable {
        var id: String
        var projectKey: String
        var adminJWT: String
        var apiPrivateKey: String
        var headers: [String: String] { ["x-project-key": projectKey] }
        var admin: [String: String] { ["authorization": "Bearer \(adminJWT)", "x-project-key": projectKey] }
    }

    func createTenant(_ name: String = "Acme Loyalty", extra: [String: JSONValue] = [:]) async throws -> TenantSetup {
        var body: [String: JSONValue] = ["projectName": .string(name)]
        for (k, v) in extra { body[k] = v }
        let r = try await post("/v2/tenants", .object(body), headers: ["x-api-key": Self.systemKey])
        #expect(r.status == 201, "\(r.text)")
        return TenantSetup(
            id: try #require(r.string("id")), projectKey: try #require(r.string("projectApiKey")),
            adminJWT: try #require(r.string("jwt")), apiPrivateKey: try #require(r.string("apiPrivateKey")))
    }

    func registerProvider(_ tenant: TenantSetup, _ issuer: ExternalIssuer, audience: String? = "gatehouse-tests")
        async throws
    {
        var body: [String: JSONValue] = ["issuer": .string(issuer.issuer), "jwks": issuer.jwksValue]
        if let audience { body["audience"] = .string(audience) }
        let r = try await post("/v2/identity-providers", .object(body), headers: tenant.admin)
        #expect(r.status == 201, "\(r.text)")
    }

    /// A tenant trusting a fresh EdDSA provider: the common start of a login test.
    func tenantWithProvider(_ idp: ExternalIssuer = .eddsa()) async throws -> (TenantSetup, ExternalIssuer) {
        let t = try await createTenant()
        try await registerProvider(t, idp)
        return (t, idp)
    }

    func exchange(_ tenant: TenantSetup, _ token: String, type: String? = nil, businessId: String? = nil)
        async throws -> Reply
    {
        var body: [String: JSONValue] = ["authToken": .string(token)]
        if let type { body["authType"] = .string(type) }
        if let businessId { body["context"] = .object(["businessId": .string(businessId)]) }
        return try await post("/v2/auth/token", .object(body), headers: tenant.headers)
    }

    func verify(_ tenant: TenantSetup, _ token: String) async throws -> Reply {
        try await post("/v2/auth/verify", .object(["authToken": .string(token)]), headers: tenant.headers)
    }

    /// The `sub` of an access token (its user id), read without verification.
    static func subject(of token: String) throws -> String {
        let jws = try CompactJWS(token)
        return try #require(try jws.decodePayload([String: JSONValue].self)["sub"]?.stringValue)
    }
}

struct NoNetworkFetcher: JWKSFetcher {
    func fetch(_ url: String) async throws -> [UInt8] { throw GatehouseError(.upstream, "no network in this test") }
}

enum TestDatabase {
    /// SQLite always; PostgreSQL too when GATEHOUSE_TEST_POSTGRES_URL is set.
    static var kinds: [String] {
        ProcessInfo.processInfo.environment["GATEHOUSE_TEST_POSTGRES_URL"] == nil ? ["sqlite"] : ["sqlite", "postgres"]
    }

    static func configuration(kind: String) async throws -> (ServerConfiguration, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-test-\(UUID().uuidString)").path
        var c = ServerConfiguration()
        c.dataDirectory = dir
        c.masterKeyBase64 = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        c.engine.systemAPIKey = Harness.systemKey
        c.engine.publicURL = "http://gatehouse.test"
        // Fast hashes for the suite; the cost rules themselves are tested at higher cost where they matter.
        c.engine.bcryptCost = 4
        if kind == "postgres", let base = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_POSTGRES_URL"] {
            c.databaseURL = try await PostgresTestDatabase.create(base: base)
            c.database = PostgresTestDatabase.options
        } else {
            c.databaseURL = "sqlite://\(dir)/gatehouse.sqlite"
        }
        return (c, dir)
    }
}

func withHarness(
    kind: String = "sqlite", fetcher: any JWKSFetcher = NoNetworkFetcher(), configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @Sendable (Harness) async throws -> Void
) async throws {
    var (configuration, dir) = try await TestDatabase.configuration(kind: kind)
    configure(&configuration)
    let clock = ManualClock(Date())
    let logs = LogCollector()
    let runtime = try await GatehouseRuntime.open(
        configuration: configuration, clock: clock, jwksFetcher: fetcher, logger: logs.logger)
    let router = buildRouter(engine: runtime.engine, metrics: runtime.metrics)
    let routes = router.routes.map { (method: $0.method.rawValue, path: $0.path.description) }
    let app = Application(router: router, logger: logs.logger)
    do {
        try await app.test(.router) { client in
            try await body(
                Harness(
                    runtime: runtime, clock: clock, client: client, logs: logs, routes: routes,
                    documented: DocumentedStatuses(runtime.engine, runtime.metrics)))
        }
    } catch {
        await runtime.shutdown()
        try? FileManager.default.removeItem(atPath: dir)
        throw error
    }
    await runtime.shutdown()
    try? FileManager.default.removeItem(atPath: dir)
}

/// The statuses /openapi.yaml documents for each route, so every reply any test receives is checked against the
/// document (the check schemathesis calls ST103, made on every request of the Swift suites).
struct DocumentedStatuses: Sendable {
    private let routes: [(method: String, segments: [Substring], statuses: Set<Int>)]

    init(_ engine: Engine, _ metrics: GatehouseMetrics) {
        routes = RouteTable(engine: engine, metrics: metrics, trustedProxies: []).routes.map {
            ($0.method.rawValue, $0.path.split(separator: "/"), OpenAPIBuilder.documentedStatuses($0))
        }
    }

    /// The statuses of the route a request lands on (a literal segment beats a parameter), or nil when it lands
    /// on none: an unknown path or method is answered by the router, not by a route.
    func statuses(_ method: HTTPRequest.Method, _ uri: String) -> Set<Int>? {
        let segments = (uri.split(separator: "?", maxSplits: 1).first ?? "").split(separator: "/")
        var best: (literals: Int, statuses: Set<Int>)?
        for route in routes where route.method == method.rawValue && route.segments.count == segments.count {
            var literals = 0
            var matches = true
            for (t, s) in zip(route.segments, segments) {
                if t.hasPrefix("{") { continue }
                if t != s { matches = false; break }
                literals += 1
            }
            if matches, literals > (best?.literals ?? -1) { best = (literals, route.statuses) }
        }
        return best?.statuses
    }
}

/// Two Gatehouse nodes (separate engines, caches and pools) sharing one database, as behind a load balancer.
func withTwoNodes(
    kind: String, configure: (inout ServerConfiguration) -> Void = { _ in }, _ body: @Sendable (Harness, Harness) async throws -> Void
) async throws {
    var (configuration, dir) = try await TestDatabase.configuration(kind: kind)
    configure(&configuration)
    let clock = ManualClock(Date())
    let logs = LogCollector()
    let a = try await GatehouseRuntime.open(configuration: configuration, clock: clock, jwksFetcher: NoNetworkFetcher(), logger: logs.logger)
    let b = try await GatehouseRuntime.open(configuration: configuration, clock: clock, jwksFetcher: NoNetworkFetcher(), logger: logs.logger)
    let routerA = buildRouter(engine: a.engine, metrics: a.metrics)
    let routerB = buildRouter(engine: b.engine, metrics: b.metrics)
    let routes = routerA.routes.map { (method: $0.method.rawValue, path: $0.path.description) }
    let appA = Application(router: routerA, logger: logs.logger)
    let appB = Application(router: routerB, logger: logs.logger)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    do {
        try await appA.test(.router) { clientA in
            try await appB.test(.router) { clientB in
                try await body(
                    Harness(runtime: a, clock: clock, client: clientA, logs: logs, routes: routes, documented: DocumentedStatuses(a.engine, a.metrics)),
                    Harness(runtime: b, clock: clock, client: clientB, logs: logs, routes: routes, documented: DocumentedStatuses(b.engine, b.metrics)))
            }
        }
    } catch {
        await a.shutdown()
        await b.shutdown()
        throw error
    }
    await a.shutdown()
    await b.shutdown()
}
