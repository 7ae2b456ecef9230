import Foundation
import GatehouseCore
import Hummingbird

/// Health, metrics, the OpenAPI document and the JWKS of every tenant.
struct OperationsController {
    let engine: Engine
    let metrics: GatehouseMetrics

    func register(on router: Router<AppRequestContext>) {
        router.get("health/live") { _, _ in try JSONBody.response(["status": "ok"]) }
        router.get("health/ready", use: ready)
        router.get("metrics") { _, _ in
            JSONBody.raw(metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("openapi.yaml") { _, _ in
            JSONBody.raw(Array(OpenAPIDocument.yaml.utf8), contentType: "application/yaml", cache: "public, max-age=300")
        }
        router.get(".well-known/jwks.json", use: defaultJWKS)
        router.get("t/:tenantId/.well-known/jwks.json", use: tenantJWKS)
    }

    @Sendable func ready(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard await engine.store.isReady() else {
            throw GatehouseError(.unavailable, "database not reachable or not migrated", retryAfterSeconds: 1)
        }
        return try JSONBody.response(["status": "ready"])
    }

    @Sendable func defaultJWKS(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let t = try await engine.store.defaultTenant() else { throw GatehouseError.notFound("tenant") }
        return try await jwks(tenantId: t.id)
    }

    @Sendable func tenantJWKS(_ request: Request, context: AppRequestContext) async throws -> Response {
        let id = try Validate.uuid(context.parameters.get("tenantId"), "tenantId")
        guard try await engine.store.tenant(id: id) != nil else { throw GatehouseError.notFound("tenant") }
        return try await jwks(tenantId: id)
    }

    private func jwks(tenantId: String) async throws -> Response {
        let ring = try await engine.keys.ring(tenantId: tenantId)
        return JSONBody.raw(ring.jwksJSON, contentType: "application/json", cache: "public, max-age=60")
    }
}
