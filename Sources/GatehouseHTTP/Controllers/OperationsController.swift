import Foundation
import GatehouseCore
import Hummingbird

/// Health, metrics, the OpenAPI document and the JWKS of every tenant (RFC 7517 §5).
struct OperationsController {
    let tenants: TenantService
    let keys: KeyRingCache
    let readiness: Readiness
    let metrics: GatehouseMetrics
    let document: ServedDocument

    var routes: [Route] {
        [
            .open(.get, "/health/live", RouteDoc("Liveness", .ok(.ref("Status"), "alive")).withoutStore(), use: live),
            .open(
                .get, "/health/ready",
                .init("Readiness: the database is reachable and migrated", .ok(.ref("Status"), "ready"), .error(503, "not ready")),
                use: ready),
            .open(.get, "/metrics", RouteDoc("Prometheus metrics", Self.text(.ok(.string(), "text exposition"), "text/plain")).withoutStore(), use: metricsText),
            .open(.get, "/openapi.yaml", RouteDoc("This document", Self.text(.ok(.string(), "OpenAPI 3.1"), "application/yaml")).withoutStore(), use: openapi),
            .open(.get, "/.well-known/jwks.json", .init("JWKS of the default tenant", .ok(.ref("JWKS"))), use: defaultJWKS),
            .open(
                .get, "/t/{tenantId}/.well-known/jwks.json", .init("JWKS of a tenant", .ok(.ref("JWKS"))), use: tenantJWKS),
        ]
    }

    static func text(_ reply: Reply, _ contentType: String) -> Reply {
        var r = reply
        r.contentType = contentType
        return r
    }

    static let schemas: [(String, Schema)] = [
        ("Status", .object(["status": .text(values: ["ok", "ready"])], required: ["status"])),
        (
            "JWKS",
            .object(
                [
                    "keys": .array(
                        .object(
                            ["kty": .string(), "kid": .string(), "alg": .string(), "use": .string(), "crv": .string(), "x": .string()],
                            required: ["kty", "kid"]))
                ], required: ["keys"])
        ),
    ]

    @Sendable func live(_ request: Request, context: AppRequestContext) async throws -> Response {
        try JSONBody.response(["status": "ok"])
    }

    @Sendable func metricsText(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONBody.raw(metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    @Sendable func openapi(_ request: Request, context: AppRequestContext) async throws -> Response {
        JSONBody.raw(document.value, contentType: "application/yaml", cache: "public, max-age=300")
    }

    @Sendable func ready(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard await readiness.check() else {
            throw GatehouseError(.unavailable, "database not reachable or not migrated", retryAfterSeconds: 1)
        }
        return try JSONBody.response(["status": "ready"])
    }

    @Sendable func defaultJWKS(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let t = try await tenants.defaultTenant() else { throw GatehouseError.notFound("tenant") }
        // CORS on the JWKS follows the tenant's origins (issue 13, item 4).
        context.tenantSeen?.tenant = t
        return try await jwks(tenantId: t.id)
    }

    @Sendable func tenantJWKS(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Validate.uuid(context.parameters.get("tenantId"), "tenantId")
        let t = try await tenants.require(id: id)
        context.tenantSeen?.tenant = t
        return try await jwks(tenantId: t.id)
    }

    private func jwks(tenantId: String) async throws -> Response {
        let ring = try await keys.ring(tenantId: tenantId)
        return JSONBody.raw(ring.jwksJSON, contentType: "application/json", cache: "public, max-age=60")
    }
}
