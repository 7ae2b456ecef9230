import Foundation
import GatehouseCore
import Hummingbird

/// A password login's common part in every dialect: bounded credentials handed to the engine's one
/// login policy.
struct PasswordChecker {
    let engine: Engine
    let clientAddress: ClientAddressResolver

    func login(
        login: String?, loginField: String, password: String?, tenant: Tenant, via entry: PasswordLogin.EntryPoint,
        request: Request, context: AppRequestContext
    ) async throws -> PasswordLogin.Outcome {
        let name = try Validate.loginName(login, loginField, max: 320)
        let secret = try Validate.token(password, "password", max: 4096)
        return try await engine.login.login(
            tenant: tenant, login: name, password: secret, clientAddress: clientAddress.address(request, context: context),
            via: entry)
    }
}

struct CallerAuthenticator {
    let engine: Engine

    /// A user signed in with an access token (not an API key), with the session it belongs to: what
    /// ceremonies that bind their challenge to the caller's session need.
    func signedIn(_ request: Request, tenant: Tenant) async throws -> (Tenant, User, Principal) {
        guard case .token(let principal, let user) = try await authenticate(request, tenant: tenant) else {
            throw GatehouseError(.forbidden, "a user access token is required")
        }
        return (tenant, user, principal)
    }

    func authenticate(_ request: Request, tenant: Tenant) async throws -> Caller {
        // A bearer token is the caller when one is sent; `x-api-key` beside it is not read for authentication
        // (seed 000's refresh call sends both, and a key must not stand in for a token or override it).
        let presented = request.bearerToken ?? request.headers[TenantResolver.apiKeyHeader]
        guard let credential = presented, !credential.isEmpty else { throw GatehouseError.unauthenticated }
        if credential.hasPrefix(APIKeyService.prefix) {
            guard let (key, user) = try await engine.apiKeys.authenticate(credential, tenantId: tenant.id) else {
                throw GatehouseError(.unauthorized, "invalid API key")
            }
            return .apiKey(key, user)
        }
        let principal = try await engine.auth.authenticate(tenantId: tenant.id, bearer: credential)
        guard let userId = principal.state.userId, let user = try await engine.store.user(tenantId: tenant.id, id: userId)
        else { throw GatehouseError(.forbidden, "this token does not belong to a user") }
        return .token(principal, user)
    }
}
