import Foundation
import GatehouseCore
import Hummingbird

/// Authenticates a tenant admin: a bearer access token of level `tenant` whose session is live and whose
/// user is still an admin. The tenant comes from `x-project-key` when sent, else from the token itself
/// (then verified against that tenant's keys, so a forged `tid` gains nothing).
struct AdminGuard {
    let engine: Engine
    let tenants: TenantResolver

    func requireAdmin(_ request: Request) async throws -> (Tenant, Principal) {
        guard let token = request.bearerToken else { throw GatehouseError.unauthenticated }
        let tenant: Tenant
        if request.headers[TenantResolver.projectKeyHeader] != nil {
            tenant = try await tenants.require(request)
        } else {
            guard let tid = TokenService.unverifiedTenantId(token), UUID(uuidString: tid) != nil,
                let t = try await engine.store.tenant(id: tid)
            else { throw GatehouseError.invalidToken("invalid token") }
            tenant = t
        }
        let principal = try await engine.auth.authenticate(tenantId: tenant.id, bearer: token)
        guard principal.claims.lvl == .tenant, let userId = principal.state.userId,
            try await engine.store.isTenantAdmin(tenantId: tenant.id, userId: userId)
        else { throw GatehouseError(.forbidden, "a tenant admin token is required") }
        return (tenant, principal)
    }

    /// Any live access token of the tenant (for reads of one's own user).
    func requireUser(_ request: Request) async throws -> (Tenant, Principal) {
        guard let token = request.bearerToken else { throw GatehouseError.unauthenticated }
        let tenant = try await tenants.require(request)
        return (tenant, try await engine.auth.authenticate(tenantId: tenant.id, bearer: token))
    }
}
