import Foundation
import GatehouseCore
@testable import GatehouseHTTP
import GatehouseServer
import HTTPTypes
import Hummingbird
import Testing

/// The route table is the one declaration of every route: these tests walk it, so a route added to the
/// table is checked without anyone writing a test for it.
@Suite struct RouteTableTests {
    static func table(_ h: Harness) -> RouteTable {
        RouteTable(engine: h.engine, metrics: h.runtime.metrics, trustedProxies: [])
    }

    /// A concrete path for a route: every parameter a well-formed id that names nothing.
    static func concrete(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map {
            // Role names are words; every other parameter is a UUID.
            $0 == "{role}" ? "no-such-role" : $0.hasPrefix("{") ? "00000000-0000-4000-8000-000000000000" : String($0)
        }.joined(separator: "/")
    }

    static func body(_ route: Route) -> JSONValue? {
        route.method == .get || route.method == .delete ? nil : .object([:])
    }

    @Test func everyRegisteredRouteIsInTheTableAndNoneTwice() async throws {
        try await withHarness { h in
            let declared = Self.table(h).routes.map { "\($0.method.rawValue) \(Route.routerPath($0.path).description)" }
            #expect(Set(declared).count == declared.count, "a route is declared twice")
            // OPTIONS answers (CORS preflights) are made from the table, one per API path.
            let registered = h.routes.filter { $0.method != "OPTIONS" }.map { "\($0.method) \($0.path)" }
            #expect(Set(registered) == Set(declared))
            let preflights = Set(h.routes.filter { $0.method == "OPTIONS" }.map(\.path))
            let apiPaths = Set(Self.table(h).routes.filter { $0.dialect != .html }.map { Route.routerPath($0.path).description })
            #expect(preflights == apiPaths)
        }
    }

    @Test func everyAdminRouteRefusesAUserAnAPIKeyAndNobody() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let created = try await h.post(
                "/v2/users", .object(["email": "plain@example.com", "password": "correct horse battery"]), headers: t.admin)
            #expect(created.status == 201)
            let login = try await h.post(
                "/auth/login", .object(["email": "plain@example.com", "password": "correct horse battery"]), headers: t.headers)
            let userToken = try #require(login.string("token"))
            let key = try await h.post(
                "/api/v1/auth/keys", .object(["name": "k"]), headers: ["authorization": "Bearer \(userToken)"] + t.headers)
            let apiKey = try #require(key.string("apiKey"))
            let admins = Self.table(h).routes.filter { if case .admin = $0.access { true } else { false } }
            #expect(admins.count >= 20)
            for route in admins {
                #expect(route.permission == .tenantAdmin, "\(route.path) declares \(route.permission)")
                let path = Self.concrete(route.path)
                let asUser = try await h.call(
                    route.method, path, headers: ["authorization": "Bearer \(userToken)"] + t.headers, json: Self.body(route))
                #expect(asUser.status == 403, "\(route.method) \(route.path) as a user: \(asUser.status)")
                let asKey = try await h.call(route.method, path, headers: ["x-api-key": apiKey] + t.headers, json: Self.body(route))
                #expect(asKey.status == 401, "\(route.method) \(route.path) with an API key: \(asKey.status)")
                let anonymous = try await h.call(route.method, path, headers: t.headers, json: Self.body(route))
                #expect(anonymous.status == 401, "\(route.method) \(route.path) anonymously: \(anonymous.status)")
            }
        }
    }

    @Test func everyCredentialedRouteRefusesAnonymousCallers() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            for route in Self.table(h).routes {
                switch route.access {
                case .caller, .signedIn, .system, .ownCheck(_, tenant: .some):
                    let r = try await h.call(route.method, Self.concrete(route.path), headers: t.headers, json: Self.body(route))
                    #expect(r.status == 401, "\(route.method) \(route.path) anonymously: \(r.status) \(r.text)")
                case .none, .tenant, .admin, .ownCheck(_, tenant: nil):
                    continue
                }
            }
        }
    }

    @Test func everyProjectKeyRouteRefusesAnUnknownKey() async throws {
        try await withHarness { h in
            for route in Self.table(h).routes {
                guard case .tenant(.projectKey) = route.access else { continue }
                let r = try await h.call(
                    route.method, Self.concrete(route.path), headers: ["x-project-key": "pk_unknown"], json: Self.body(route))
                #expect(r.status == 401 && r.string("code") == "INVALID_PROJECT_KEY", "\(route.path): \(r.status)")
            }
        }
    }

    @Test func theDocumentDescribesEveryRouteOfTheTable() async throws {
        try await withHarness { h in
            let table = Self.table(h)
            let text = OpenAPIBuilder(routes: table.routes, schemas: table.schemas).yaml()
            let served = try await h.call(.get, "/openapi.yaml")
            #expect(served.text == text)
            for route in table.routes {
                #expect(text.contains("operationId: \(OpenAPIBuilder.operationId(route))\n"), "\(route.path)")
            }
            // Every schema a route names is defined.
            let defined = Set(table.schemas.map(\.0))
            for name in text.components(separatedBy: "#/components/schemas/").dropFirst().map({ $0.prefix { $0.isLetter || $0.isNumber } }) {
                #expect(defined.contains(String(name)), "\(name) is referenced but not defined")
            }
        }
    }
}

private func + (a: [String: String], b: [String: String]) -> [String: String] { a.merging(b) { x, _ in x } }
