import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird

/// The OAuth 2.0 authorization server's endpoints (RFC 6749), for the default tenant at `/oauth2/…` and for
/// any tenant at `/t/{tenantId}/oauth2/…` (its issuer). Errors are RFC 6749 §5.2 bodies (the route's
/// renderer); answers carrying tokens are never cached (§5.1).
struct OAuthController {
    let token: OAuthTokenEndpoint
    let tokens: TokenIntrospection
    let serverMetadata: ServerMetadata
    let userInfo: UserInfo
    let tenants: TenantResolver
    let clientAddress: ClientAddressResolver

    var routes: [Route] {
        ["", "/t/{tenantId}"].flatMap { prefix in endpoints(prefix) + userinfoRoutes(prefix) } + discovery
    }

    func endpoints(_ prefix: String) -> [Route] {
            [
                Route.open(
                    .post, prefix + "/oauth2/token",
                    .init(
                        "OAuth 2.0 token endpoint (RFC 6749 §3.2): client_credentials now; the code flow's grants answer unsupported_grant_type",
                        description: "Client authentication: client_secret_basic, client_secret_post, or none (public clients), exactly as registered.",
                        body: .ref("TokenRequest"), bodyContentType: Self.form,
                        .ok(.ref("TokenResponse")), .error(401, "invalid_client: client authentication failed")),
                    use: issue),
                Route.open(
                    .post, prefix + "/oauth2/introspect",
                    .init(
                        "Token introspection (RFC 7662): any token of the tenant's dialects and clients",
                        description: "The caller is a confidential client of the tenant, or the tenant's API private key as a bearer. What is not an active token of this tenant is {\"active\": false} only.",
                        body: .ref("TokenParameter"), bodyContentType: Self.form,
                        .ok(.ref("Introspection")), .error(401, "invalid_client: no, wrong or public-client credentials")),
                    use: introspect),
                Route.open(
                    .post, prefix + "/oauth2/revoke",
                    .init(
                        "Token revocation (RFC 7009): 200 for any token, unknown ones included",
                        description: "A client revokes its own tokens; the tenant's API private key (bearer) any of the tenant's. A refresh or user access token ends its session; a client-credentials token is refused from then on.",
                        body: .ref("TokenParameter"), bodyContentType: Self.form,
                        Reply(status: 200, schema: nil, description: "done, or nothing to do"),
                        .error(401, "invalid_client: client authentication failed")),
                    use: revoke),
            ].map { $0.inDialect(.oauth) }
    }

    func userinfoRoutes(_ prefix: String) -> [Route] {
            [
                Route.open(
                    .get, prefix + "/oauth2/userinfo",
                    .init(
                        "OpenID Connect UserInfo (Core §5.3): the claims the token's scopes release",
                        description: "Authorization: Bearer <an access token of the code flow with the openid scope>.",
                        .ok(.ref("UserInfo")), .error(401, "invalid_token"), .error(403, "insufficient_scope: no openid scope")),
                    use: userinfo),
                Route.open(
                    .post, prefix + "/oauth2/userinfo",
                    .init(
                        "OpenID Connect UserInfo (Core §5.3), by POST", description: "As GET; the token in the Authorization header.",
                        .ok(.ref("UserInfo")), .error(401, "invalid_token"), .error(403, "insufficient_scope: no openid scope")),
                    use: userinfo),
            ].map { $0.inDialect(.oauth) }
    }

    /// RFC 8414 at `/.well-known/oauth-authorization-server` (and, for an issuer with a path, with the path
    /// after it, §3.1), OpenID Connect Discovery at `<issuer>/.well-known/openid-configuration`; the
    /// unprefixed paths serve the default tenant.
    var discovery: [Route] {
        let oauth = RouteDoc("Authorization server metadata (RFC 8414)", .ok(.ref("ServerMetadata")))
        let openID = RouteDoc("OpenID Connect discovery document (what exists now)", .ok(.ref("ServerMetadata")))
        return [
            Route.open(.get, "/.well-known/oauth-authorization-server", oauth, use: { try await metadata($0, $1, openID: false) }),
            Route.open(.get, "/t/{tenantId}/.well-known/oauth-authorization-server", oauth, use: { try await metadata($0, $1, openID: false) }),
            Route.open(.get, "/.well-known/oauth-authorization-server/t/{tenantId}", oauth, use: { try await metadata($0, $1, openID: false) }),
            Route.open(.get, "/.well-known/openid-configuration", openID, use: { try await metadata($0, $1, openID: true) }),
            Route.open(.get, "/t/{tenantId}/.well-known/openid-configuration", openID, use: { try await metadata($0, $1, openID: true) }),
        ].map { $0.inDialect(.oauth) }
    }

    func metadata(_ request: Request, _ context: AppRequestContext, openID: Bool) async throws -> Response {
        let tenant = try await tenant(context)
        var response = try JSONBody.response(serverMetadata.document(tenantId: tenant.id, openID: openID))
        response.headers[.cacheControl] = "public, max-age=60"
        return response
    }

    static let form = "application/x-www-form-urlencoded"

    static let schemas: [(String, Schema)] = [
        (
            "TokenRequest",
            .object(
                [
                    "grant_type": .text(maxLength: 64), "scope": .text(maxLength: 4096), "client_id": .text(maxLength: 128),
                    "client_secret": .text(maxLength: 512), "code": .text(maxLength: 512), "redirect_uri": .text(maxLength: 2048),
                    "refresh_token": .text(maxLength: 512), "code_verifier": .text(maxLength: 128),
                ], required: ["grant_type"])
        ),
        (
            "ServerMetadata",
            .object(
                [
                    "issuer": .string(), "authorization_endpoint": .string(), "token_endpoint": .string(),
                    "introspection_endpoint": .string(), "userinfo_endpoint": .string(), "response_modes_supported": .array(.string()),
                    "code_challenge_methods_supported": .array(.string()), "authorization_response_iss_parameter_supported": .boolean,
                    "scopes_supported": .array(.string()), "prompt_values_supported": .array(.string()),
                    "claims_supported": .array(.string()), "end_session_endpoint": .string(),
                    "revocation_endpoint": .string(), "jwks_uri": .string(), "grant_types_supported": .array(.string()),
                    "response_types_supported": .array(.string()), "token_endpoint_auth_methods_supported": .array(.string()),
                    "introspection_endpoint_auth_methods_supported": .array(.string()),
                    "revocation_endpoint_auth_methods_supported": .array(.string()),
                    "token_endpoint_auth_signing_alg_values_supported": .array(.string()),
                    "subject_types_supported": .array(.string()), "id_token_signing_alg_values_supported": .array(.string()),
                ],
                required: [
                    "issuer", "token_endpoint", "introspection_endpoint", "revocation_endpoint", "jwks_uri", "grant_types_supported",
                    "response_types_supported", "token_endpoint_auth_methods_supported",
                ])
        ),
        (
            "TokenParameter",
            .object(
                [
                    "token": .text(maxLength: 8192), "token_type_hint": .text(values: ["access_token", "refresh_token"]),
                    "client_id": .text(maxLength: 128), "client_secret": .text(maxLength: 512),
                ], required: ["token"])
        ),
        (
            "Introspection",
            .object(
                [
                    "active": .boolean, "aud": .string(), "client_id": .string(), "exp": .integer, "iat": .integer, "iss": .string(),
                    "jti": .string(), "nbf": .integer, "scope": .string(), "sub": .string(),
                    "token_type": .text(values: ["Bearer", "refresh_token"]), "username": .string(),
                ], required: ["active"])
        ),
        (
            "UserInfo",
            .object(
                [
                    "sub": .string(), "name": .string(), "preferred_username": .string(), "updated_at": .integer, "email": .string(),
                    "email_verified": .boolean,
                ], required: ["sub"])
        ),
        (
            "TokenResponse",
            .object(
                [
                    "access_token": .string(), "token_type": .text(values: ["Bearer"]), "expires_in": .integer,
                    "refresh_token": .string(), "id_token": .string(), "scope": .string(),
                ], required: ["access_token", "token_type", "expires_in"])
        ),
    ]

    /// RFC 7662 §2.2 members (seed 004's list), written directly: this answer is the hot path of every
    /// resource server that introspects. Members without a value are left out.
    static func introspectionJSON(_ value: Introspection) -> [UInt8] {
        var w = JSONWriter()
        w.field("active", value.active)
        w.field("aud", value.aud)
        w.field("client_id", value.clientId)
        if let exp = value.exp { w.field("exp", exp) }
        if let iat = value.iat { w.field("iat", iat) }
        w.field("iss", value.iss)
        w.field("jti", value.jti)
        if let nbf = value.nbf { w.field("nbf", nbf) }
        w.field("scope", value.scope)
        w.field("sub", value.sub)
        w.field("token_type", value.tokenType)
        w.field("username", value.username)
        return w.finished()
    }

    /// RFC 6749 §5.1 members, written directly (issuing is a hot path too).
    static func tokenJSON(_ answer: TokenResponse) -> [UInt8] {
        var w = JSONWriter()
        w.field("access_token", answer.accessToken)
        w.field("expires_in", Int64(answer.expiresIn))
        w.field("id_token", answer.idToken)
        w.field("refresh_token", answer.refreshToken)
        w.field("scope", answer.scope)
        w.field("token_type", answer.tokenType)
        return w.finished()
    }

    func tenant(_ context: AppRequestContext) async throws -> Tenant {
        try await tenants.issuerTenant(context)
    }

    @Sendable func issue(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenant(context)
        let form = try await FormBody.decode(request)
        var asked = TokenRequest()
        asked.grantType = form["grant_type"]
        asked.scope = form["scope"]
        asked.code = form["code"]
        asked.redirectURI = form["redirect_uri"]
        asked.codeVerifier = form["code_verifier"]
        asked.refreshToken = form["refresh_token"]
        let sender = clientAddress.refreshClient(request, context: context)
        (asked.address, asked.userAgent) = (sender.address, sender.userAgent)
        let answer = try await token.token(tenantId: tenant.id, client: try Self.presentedClient(request, form: form), asked)
        var response = JSONBody.raw(Self.tokenJSON(answer), contentType: JSONBody.contentType)
        response.headers[Self.pragma] = "no-cache"
        return response
    }

    static let pragma = HTTPField.Name("pragma")!

    /// Introspection and revocation name the token in `token`, perhaps with a `token_type_hint`.
    func tokenParameter(_ form: [String: String]) throws -> (token: String, hint: String?) {
        guard let token = form["token"], !token.isEmpty else { throw GatehouseError.oauth(.invalidRequest, "token is required") }
        return (token, form["token_type_hint"])
    }

    /// The caller of introspection or revocation: a bearer (the tenant's API private key), or a client.
    func authority(_ request: Request, form: [String: String], tenant: Tenant, allowPublic: Bool) async throws -> TokenAuthority {
        let bearer = request.bearerToken
        let client = bearer == nil ? try Self.presentedClient(request, form: form) : nil
        return try await tokens.authority(tenant: tenant, bearer: bearer, client: client, allowPublic: allowPublic)
    }

    @Sendable func introspect(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenant(context)
        let form = try await FormBody.decode(request)
        // Any confidential client of the tenant, or its back office, may ask (RFC 7662 §2.1).
        _ = try await authority(request, form: form, tenant: tenant, allowPublic: false)
        let (token, hint) = try tokenParameter(form)
        let answer = try await tokens.introspect(tenantId: tenant.id, token: token, hint: hint)
        return JSONBody.raw(Self.introspectionJSON(answer), contentType: JSONBody.contentType)
    }

    @Sendable func userinfo(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenant(context)
        guard let bearer = request.bearerToken else { throw GatehouseError.invalidToken("a bearer access token is required") }
        var w = JSONWriter()
        for (name, value) in try await userInfo.claims(tenantId: tenant.id, bearer: bearer) { w.field(name, claim: value) }
        return JSONBody.raw(w.finished(), contentType: JSONBody.contentType)
    }

    @Sendable func revoke(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await tenant(context)
        let form = try await FormBody.decode(request)
        let authority = try await authority(request, form: form, tenant: tenant, allowPublic: true)
        let (token, hint) = try tokenParameter(form)
        try await tokens.revoke(tenantId: tenant.id, token: token, hint: hint, by: authority)
        return Response(status: .ok)
    }

    /// RFC 6749 §2.3: HTTP Basic (id and secret form-encoded, §2.3.1), or `client_id` and `client_secret`
    /// in the form, or `client_id` alone for a public client; never two methods at once.
    static func presentedClient(_ request: Request, form: [String: String]) throws -> PresentedClient {
        if let header = request.headers[.authorization], let encoded = FormBody.basicPayload(header) {
            guard form["client_secret"] == nil else {
                throw GatehouseError.oauth(.invalidRequest, "use one client authentication method, not two")
            }
            guard let (id, secret) = FormBody.decodeBasic(encoded) else {
                throw GatehouseError.oauth(.invalidClient, "malformed Basic credentials")
            }
            if let named = form["client_id"], named != id {
                throw GatehouseError.oauth(.invalidClient, "client_id does not match the Basic credentials")
            }
            return .basic(id: id, secret: secret)
        }
        guard let id = form["client_id"], !id.isEmpty else {
            throw GatehouseError.oauth(.invalidClient, "client authentication is required")
        }
        if let secret = form["client_secret"] { return .post(id: id, secret: secret) }
        return .none(id: id)
    }
}
