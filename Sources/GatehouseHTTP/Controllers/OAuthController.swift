import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird

/// The OAuth 2.0 authorization server's endpoints (RFC 6749), for the default tenant at `/oauth2/…` and for
/// any tenant at `/t/{tenantId}/oauth2/…` (its issuer). Errors are RFC 6749 §5.2 bodies (the route's
/// renderer); answers carrying tokens are never cached (§5.1).
struct OAuthController {
    let token: OAuthTokenEndpoint
    let tenants: TenantResolver

    var routes: [Route] {
        ["", "/t/{tenantId}"].map { prefix in
            Route.open(
                .post, prefix + "/oauth2/token",
                .init(
                    "OAuth 2.0 token endpoint (RFC 6749 §3.2): client_credentials now; the code flow's grants answer unsupported_grant_type",
                    description: "Client authentication: client_secret_basic, client_secret_post, or none (public clients), exactly as registered.",
                    body: .ref("TokenRequest"), bodyContentType: "application/x-www-form-urlencoded",
                    .ok(.ref("TokenResponse")), .error(401, "invalid_client: client authentication failed")),
                use: issue
            ).inDialect(.oauth)
        }
    }

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
            "TokenResponse",
            .object(
                [
                    "access_token": .string(), "token_type": .text(values: ["Bearer"]), "expires_in": .integer,
                    "refresh_token": .string(), "id_token": .string(), "scope": .string(),
                ], required: ["access_token", "token_type", "expires_in"])
        ),
    ]

    struct TokenBody: Encodable {
        var access_token: String
        var token_type: String
        var expires_in: Int
        var refresh_token: String?
        var id_token: String?
        var scope: String?
    }

    /// The tenant of the path, or the default tenant; CORS then follows that tenant's origins.
    func tenant(_ context: AppRequestContext) async throws -> Tenant {
        let tenant: Tenant
        if let id = context.parameters.get("tenantId") {
            tenant = try await tenants.tenant(id: try Validate.uuid(id, "tenantId"))
        } else {
            tenant = try await tenants.defaultTenant()
        }
        context.tenantSeen?.tenant = tenant
        return tenant
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
        let answer = try await token.token(tenantId: tenant.id, client: try Self.presentedClient(request, form: form), asked)
        var response = try JSONBody.response(
            TokenBody(
                access_token: answer.accessToken, token_type: answer.tokenType, expires_in: answer.expiresIn,
                refresh_token: answer.refreshToken, id_token: answer.idToken, scope: answer.scope))
        response.headers[.cacheControl] = "no-store"
        response.headers[Self.pragma] = "no-cache"
        return response
    }

    static let pragma = HTTPField.Name("pragma")!

    /// RFC 6749 §2.3: HTTP Basic (id and secret form-encoded, §2.3.1), or `client_id` and `client_secret`
    /// in the form, or `client_id` alone for a public client; never two methods at once.
    static func presentedClient(_ request: Request, form: [String: String]) throws -> PresentedClient {
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("basic ") {
            guard form["client_secret"] == nil else {
                throw GatehouseError.oauth(.invalidRequest, "use one client authentication method, not two")
            }
            guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
                let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":"),
                let id = FormBody.unescape(text[..<colon]), let secret = FormBody.unescape(text[text.index(after: colon)...])
            else { throw GatehouseError.oauth(.invalidClient, "malformed Basic credentials") }
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
