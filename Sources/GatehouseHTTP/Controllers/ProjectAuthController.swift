import Foundation
import GatehouseCore
import Hummingbird

/// Project API auth: `/v2/auth/token`, `/v2/auth/refresh`, `/v2/auth/verify` (seeds 000, 001).
struct ProjectAuthController {
    let engine: Engine
    let tenants: TenantResolver
    let clientAddress: ClientAddressResolver

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

    /// `{accessToken, refreshToken}`, written directly: it is the answer of the two busiest writes.
    static func pairResponse(_ pair: TokenPair) -> Response {
        var w = JSONWriter()
        w.field("accessToken", pair.accessToken)
        w.field("refreshToken", pair.refreshToken)
        return JSONBody.raw(w.finished(), contentType: "application/json; charset=utf-8")
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
        if body.rawLoginData == nil { _ = try Validate.token(authToken, "authToken", max: CompactJWS.maxLength) }
        if let raw = body.rawLoginData {
            let size = try JSONBody.encoder.encode(raw).count
            guard size <= 8 * 1024 else { throw GatehouseError.field("rawLoginData", "must be at most 8192 bytes") }
        }
        let exchange = TokenExchangeRequest(
            authToken: authToken, authType: level,
            businessId: try body.context?.businessId.map { try Validate.uuid($0, "context.businessId") },
            contextTenantId: try Validate.optional(body.context?.tenantId, "context.tenantId", max: 64),
            rawLoginData: body.rawLoginData)
        let pair = try await engine.auth.exchange(
            tenant: tenant, exchange, clientAddress: clientAddress.address(request, context: context))
        return Self.pairResponse(pair)
    }

    struct RefreshBody: Decodable {
        var refreshToken: String?
        var accessToken: String?
    }

    @Sendable func refresh(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.require(request)
        let body = try await JSONBody.decode(RefreshBody.self, from: request)
        let token = try Validate.token(body.refreshToken, "refreshToken", max: 512)
        let access = try Validate.optional(body.accessToken, "accessToken", max: CompactJWS.maxLength)
        let pair = try await engine.sessions.refresh(
            tenantId: tenant.id, refreshToken: token,
            client: clientAddress.refreshClient(request, context: context, accessToken: access))
        return Self.pairResponse(pair)
    }

    struct VerifyBody: Decodable {
        var authToken: String?
    }

    /// Seed 001's shape, every key present (null when not applicable). Our own token's payload is
    /// spliced in as signed rather than decoded and re-encoded.
    static func verifyBody(_ r: VerifyResult) throws -> [UInt8] {
        func json(_ v: String?) throws -> [UInt8] { Array(try JSONBody.encoder.encode(v)) }
        var out = Array(#"{"errorMessage":"#.utf8) + (try json(r.errorMessage))
        out += Array(#","identifierEmail":"#.utf8) + (try json(r.identifierEmail))
        out += Array(#","payload":"#.utf8)
        switch r.payload {
        case .raw(let bytes): out += bytes
        case .object(let o): out += Array(try JSONBody.encoder.encode(o))
        case nil: out += Array("null".utf8)
        }
        out += Array(#","tenantId":"#.utf8) + (try json(r.tenantId))
        out += Array(#","valid":"#.utf8) + Array((r.valid ? "true" : "false").utf8) + [UInt8(ascii: "}")]
        return out
    }

    @Sendable func verify(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenants.require(request)
        let body = try await JSONBody.decode(VerifyBody.self, from: request)
        let token = try Validate.token(body.authToken, "authToken", max: CompactJWS.maxLength)
        let result = await engine.auth.verify(tenant: tenant, token: token)
        return JSONBody.raw(try Self.verifyBody(result), contentType: "application/json; charset=utf-8")
    }
}
