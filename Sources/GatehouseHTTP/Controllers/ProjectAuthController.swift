import Foundation
import GatehouseCore
import Hummingbird

/// Project API auth: `/v2/auth/token`, `/v2/auth/refresh`, `/v2/auth/verify` (seeds 000, 001).
struct ProjectAuthController {
    let engine: Engine
    let tenants: TenantResolver

    func register(on router: Router<AppRequestContext>) {
        let group = router.group("v2/auth")
        group.post("token", use: token)
        group.post("refresh", use: refresh)
        group.post("verify", use: verify)
    }

    struct TokenBody: Decodable {
        struct Context: Decodable {
            var businessId: String?
            var tenantId: String?
        }
        var authToken: String?
        var authType: String?
        var context: Context?
        var rawLoginData: [String: JSONValue]?
    }

    struct PairBody: Encodable {
        var accessToken: String
        var refreshToken: String
    }

    @Sendable func token(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.require(request)
        let body = try await JSONBody.decode(TokenBody.self, from: request)
        let level: AuthLevel
        if let raw = body.authType {
            guard let l = AuthLevel(rawValue: raw) else {
                throw GatehouseError.field("authType", "must be one of user, business, tenant, system, external")
            }
            level = l
        } else {
            level = .user
        }
        let authToken = try Validate.optional(body.authToken, "authToken", max: CompactJWS.maxLength)
        if body.rawLoginData == nil { _ = try Validate.required(authToken, "authToken", max: CompactJWS.maxLength) }
        if let raw = body.rawLoginData {
            let size = try JSONBody.encoder.encode(raw).count
            guard size <= 8 * 1024 else { throw GatehouseError.field("rawLoginData", "must be at most 8192 bytes") }
        }
        let request = TokenExchangeRequest(
            authToken: authToken, authType: level,
            businessId: try body.context?.businessId.map { try Validate.uuid($0, "context.businessId") },
            contextTenantId: try Validate.optional(body.context?.tenantId, "context.tenantId", max: 64),
            rawLoginData: body.rawLoginData)
        let pair = try await engine.auth.exchange(tenant: tenant, request)
        return try JSONBody.response(PairBody(accessToken: pair.accessToken, refreshToken: pair.refreshToken))
    }

    struct RefreshBody: Decodable {
        var refreshToken: String?
        var accessToken: String?
    }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.require(request)
        let body = try await JSONBody.decode(RefreshBody.self, from: request)
        let token = try Validate.required(body.refreshToken, "refreshToken", max: 512)
        let pair = try await engine.sessions.refresh(tenantId: tenant.id, refreshToken: token)
        return try JSONBody.response(PairBody(accessToken: pair.accessToken, refreshToken: pair.refreshToken))
    }

    struct VerifyBody: Decodable {
        var authToken: String?
    }

    /// Seed 001's shape, every key present (null when not applicable).
    struct VerifyResponse: Encodable {
        var result: VerifyResult
        enum Keys: String, CodingKey { case valid, payload, tenantId, identifierEmail, errorMessage }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(result.valid, forKey: .valid)
            try c.encode(result.payload, forKey: .payload)
            try c.encode(result.tenantId, forKey: .tenantId)
            try c.encode(result.identifierEmail, forKey: .identifierEmail)
            try c.encode(result.errorMessage, forKey: .errorMessage)
        }
    }

    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.require(request)
        let body = try await JSONBody.decode(VerifyBody.self, from: request)
        let token = try Validate.required(body.authToken, "authToken", max: CompactJWS.maxLength)
        return try JSONBody.response(VerifyResponse(result: await engine.auth.verify(tenant: tenant, token: token)))
    }
}
