import Foundation

/// What a client registration must satisfy (RFC 6749 §3.1.2, RFC 8252 §7 for native apps, and the OAuth
/// 2.0 Security BCP, RFC 9700 §2.1: redirect URIs compared exactly, so none may hold a wildcard).
enum OAuthClientRules {
    static let maxURIs = 20
    static let maxScopes = 50
    static let ttlRange = 60...86_400

    /// The client as `input` makes it from `base` (a new client's defaults, or the stored client).
    static func apply(_ input: OAuthClientInput, to base: OAuthClient) throws -> OAuthClient {
        var c = base
        if let name = input.name {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.utf8.count <= 255, !Identifiers.containsControlCharacter(trimmed) else {
                throw GatehouseError.field("name", "must be 1–255 bytes without control characters")
            }
            c.name = trimmed
        }
        if let v = input.redirectUris { c.redirectUris = try redirectURIs(v, field: "redirectUris") }
        if let v = input.postLogoutRedirectUris { c.postLogoutRedirectUris = try redirectURIs(v, field: "postLogoutRedirectUris") }
        if let v = input.grantTypes {
            var grants: [OAuthClient.GrantType] = []
            for text in v {
                guard let grant = OAuthClient.GrantType(rawValue: text) else {
                    throw GatehouseError.field(
                        "grantTypes", "\(text.prefix(64)) is not one of authorization_code, refresh_token, client_credentials")
                }
                if !grants.contains(grant) { grants.append(grant) }
            }
            c.grantTypes = grants
        }
        if let v = input.scopes { c.scopes = try scopes(v) }
        if let v = input.tokenEndpointAuthMethod {
            guard let method = OAuthClient.AuthMethod(rawValue: v) else {
                throw GatehouseError.field("tokenEndpointAuthMethod", "must be client_secret_basic, client_secret_post or none")
            }
            c.tokenEndpointAuthMethod = method
        }
        if let v = input.requirePkce { c.requirePkce = v }
        if let v = input.firstParty { c.firstParty = v }
        if let v = input.accessTokenTTL {
            guard ttlRange.contains(v) else { throw GatehouseError.field("accessTokenTtl", "must be 60 to 86400 seconds") }
            c.accessTokenTTL = v
        }
        if let v = input.idTokenSignedResponseAlg {
            guard let alg = OAuthClient.IDTokenAlgorithm(rawValue: v) else {
                throw GatehouseError.field("idTokenSignedResponseAlg", "must be RS256 or ES256")
            }
            c.idTokenSignedResponseAlg = alg
        }
        try checkCoherent(c, pkceGiven: input.requirePkce != nil)
        return c
    }

    /// The rules between fields.
    static func checkCoherent(_ c: OAuthClient, pkceGiven: Bool) throws {
        guard !c.grantTypes.isEmpty else { throw GatehouseError.field("grantTypes", "name at least one grant") }
        if c.grantTypes.contains(.authorizationCode), c.redirectUris.isEmpty {
            throw GatehouseError.field("redirectUris", "the authorization_code grant needs at least one redirect URI")
        }
        if c.grantTypes.contains(.refreshToken), !c.grantTypes.contains(.authorizationCode) {
            throw GatehouseError.field("grantTypes", "refresh_token comes with authorization_code")
        }
        if c.isPublic {
            // RFC 6749 §4.4: client credentials are for confidential clients; a public one proves nothing.
            if c.grantTypes.contains(.clientCredentials) {
                throw GatehouseError.field("grantTypes", "client_credentials needs a confidential client (not tokenEndpointAuthMethod none)")
            }
            // RFC 9700 §2.1.1: public clients always use PKCE.
            if pkceGiven, !c.requirePkce { throw GatehouseError.field("requirePkce", "a public client always uses PKCE") }
        }
    }

    /// Absolute URIs without fragment or wildcard: https, http on a loopback host (RFC 8252 §7.3), or a
    /// native app's private-use scheme in reverse-domain form (RFC 8252 §7.1, e.g. `com.example.app:/cb`).
    static func redirectURIs(_ list: [String], field: String) throws -> [String] {
        guard list.count <= maxURIs else { throw GatehouseError.field(field, "at most \(maxURIs) URIs") }
        var seen = Set<String>()
        for uri in list {
            if let why = refusal(redirectURI: uri) { throw GatehouseError.field(field, "\(uri.prefix(100)): \(why)") }
            seen.insert(uri)
        }
        return list.filter { seen.remove($0) != nil }
    }

    static func refusal(redirectURI uri: String) -> String? {
        guard !uri.isEmpty, uri.utf8.count <= 2048 else { return "must be 1–2048 bytes" }
        guard !Identifiers.containsControlCharacter(uri), !uri.contains(" ") else { return "must not contain spaces or control characters" }
        guard !uri.contains("*") else { return "wildcards are not allowed (redirect URIs are compared exactly)" }
        guard !uri.contains("#"), let url = URLComponents(string: uri), let scheme = url.scheme?.lowercased() else {
            return "must be an absolute URI without a fragment"
        }
        switch scheme {
        case "https":
            guard let host = url.host, !host.isEmpty else { return "must name a host" }
        case "http":
            let host = url.host?.lowercased() ?? ""
            guard ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host) else { return "http is allowed only on a loopback host" }
        default:
            guard scheme.contains("."), !["javascript", "data", "file", "vbscript"].contains(scheme) else {
                return "must be https, http on a loopback host, or a private-use scheme such as com.example.app"
            }
        }
        guard url.user == nil, url.password == nil else { return "must not hold user information" }
        return nil
    }

    /// RFC 6749 §3.3 scope tokens: printable ASCII without space, quote or backslash.
    static func scopes(_ list: [String]) throws -> [String] {
        guard list.count <= maxScopes else { throw GatehouseError.field("scopes", "at most \(maxScopes) scopes") }
        var result: [String] = []
        for scope in list {
            guard isScopeToken(scope) else {
                throw GatehouseError.field("scopes", "\(scope.prefix(64)) is not a scope (1–128 printable ASCII characters, no space, quote or backslash)")
            }
            if !result.contains(scope) { result.append(scope) }
        }
        return result
    }

    static func isScopeToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 128
            && text.utf8.allSatisfy { $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) }
    }
}
