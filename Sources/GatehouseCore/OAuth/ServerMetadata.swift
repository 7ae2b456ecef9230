/// The authorization server's metadata (RFC 8414 §2; OpenID Connect Discovery 1.0 §3 for the
/// `openid-configuration` form): what exists now, and nothing more. Endpoints live under the tenant's
/// issuer (`<public URL>/t/<tenantId>`), which serves every OAuth path.
public struct ServerMetadata: Sendable {
    let tokens: TokenService

    public static let grantTypes = [OAuthClient.GrantType.clientCredentials.rawValue]
    public static let clientAuthMethods = OAuthClient.AuthMethod.allCases.map(\.rawValue)

    public func document(tenantId: String, openID: Bool) -> JSONValue {
        let issuer = tokens.issuer(tenantId: tenantId)
        let strings = { (list: [String]) in JSONValue.array(list.map(JSONValue.string)) }
        var m: [String: JSONValue] = [
            "issuer": .string(issuer),
            "token_endpoint": .string(issuer + "/oauth2/token"),
            "introspection_endpoint": .string(issuer + "/oauth2/introspect"),
            "revocation_endpoint": .string(issuer + "/oauth2/revoke"),
            "jwks_uri": .string(issuer + "/.well-known/jwks.json"),
            "grant_types_supported": strings(Self.grantTypes),
            // No authorization endpoint yet (the code flow comes next): no response type is served.
            "response_types_supported": strings([]),
            "token_endpoint_auth_methods_supported": strings(Self.clientAuthMethods),
            // RFC 7662 §2.1: introspection needs a confidential client (or the tenant's key, as a bearer).
            "introspection_endpoint_auth_methods_supported": strings(["client_secret_basic", "client_secret_post"]),
            "revocation_endpoint_auth_methods_supported": strings(Self.clientAuthMethods),
            "token_endpoint_auth_signing_alg_values_supported": strings([]),
        ]
        if openID {
            m["subject_types_supported"] = strings(["public"])
            // ID tokens arrive with the code flow; none is issued yet.
            m["id_token_signing_alg_values_supported"] = strings([])
        }
        return .object(m)
    }
}
