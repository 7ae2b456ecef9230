/// The authorization server's metadata (RFC 8414 §2; OpenID Connect Discovery 1.0 §3 for the
/// `openid-configuration` form): what exists now, and nothing more. Endpoints live under the tenant's
/// issuer (`<public URL>/t/<tenantId>`), which serves every OAuth path.
public struct ServerMetadata: Sendable {
    let tokens: TokenService

    public static let grantTypes = OAuthClient.GrantType.allCases.map(\.rawValue)
    public static let clientAuthMethods = OAuthClient.AuthMethod.allCases.map(\.rawValue)
    public static let scopes = ["openid", "profile", "email", "offline_access"]

    public func document(tenantId: String, openID: Bool) -> JSONValue {
        let issuer = tokens.issuer(tenantId: tenantId)
        let strings = { (list: [String]) in JSONValue.array(list.map(JSONValue.string)) }
        var m: [String: JSONValue] = [
            "issuer": .string(issuer),
            "authorization_endpoint": .string(issuer + "/oauth2/authorize"),
            "token_endpoint": .string(issuer + "/oauth2/token"),
            "introspection_endpoint": .string(issuer + "/oauth2/introspect"),
            "revocation_endpoint": .string(issuer + "/oauth2/revoke"),
            "userinfo_endpoint": .string(issuer + "/oauth2/userinfo"),
            "jwks_uri": .string(issuer + "/.well-known/jwks.json"),
            "grant_types_supported": strings(Self.grantTypes),
            // RFC 9700 §2.1.2: the code flow only, its answer in the query.
            "response_types_supported": strings(["code"]),
            "response_modes_supported": strings(["query"]),
            "code_challenge_methods_supported": strings(["S256"]),
            // RFC 9207 §3.
            "authorization_response_iss_parameter_supported": .bool(true),
            "scopes_supported": strings(Self.scopes),
            "token_endpoint_auth_methods_supported": strings(Self.clientAuthMethods),
            // RFC 7662 §2.1: introspection needs a confidential client (or the tenant's key, as a bearer).
            "introspection_endpoint_auth_methods_supported": strings(["client_secret_basic", "client_secret_post"]),
            "revocation_endpoint_auth_methods_supported": strings(Self.clientAuthMethods),
            "token_endpoint_auth_signing_alg_values_supported": strings([]),
        ]
        if openID {
            m["subject_types_supported"] = strings(["public"])
            m["end_session_endpoint"] = .string(issuer + "/oauth2/logout")
            m["id_token_signing_alg_values_supported"] = strings(OAuthClient.IDTokenAlgorithm.allCases.map(\.rawValue))
            m["prompt_values_supported"] = strings(AuthorizationGrantRequest.Prompt.allCases.map(\.rawValue))
            m["claims_supported"] = strings([
                "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "at_hash", "sid", "azp", "name", "preferred_username",
                "updated_at", "email", "email_verified",
            ])
        }
        return .object(m)
    }
}
