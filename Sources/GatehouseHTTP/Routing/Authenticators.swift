import Foundation
import GatehouseCore
import Hummingbird

/// Where a route's tenant comes from: the Project API always names it with `x-project-key`; the Classic
/// and Enterprise dialects fall back to the default tenant when the header is absent.
enum TenantSource: Sendable {
    case projectKey
    case projectKeyOrDefault
}

/// Resolves the tenant before the handler; a missing or unknown project key is refused here.
struct ResolveTenant: RouterMiddleware {
    typealias Context = AppRequestContext
    let tenants: TenantResolver
    let source: TenantSource

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        context.tenant =
            switch source {
            case .projectKey: try await tenants.require(request)
            case .projectKeyOrDefault: try await tenants.projectOrDefault(request)
            }
        return try await next(request, context)
    }
}

/// Any credential of the tenant: a bearer access token, else `x-api-key`. When both are sent the bearer is
/// the caller and the key is not read (seed 000's refresh call sends both; a key must not override a token).
struct AuthenticateCaller: RouterMiddleware {
    typealias Context = AppRequestContext
    let apiKeys: APIKeyService
    let auth: AuthService
    let users: UserService
    /// Ceremonies bound to a session refuse API keys.
    var tokenOnly = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let tenant = context.tenant else { throw GatehouseError.unauthenticated }
        var context = context
        let caller = try await authenticate(request, tenant: tenant)
        if tokenOnly, case .apiKey = caller { throw GatehouseError(.forbidden, "a user access token is required") }
        context.caller = caller
        let actor: EventActor =
            switch caller {
            case .token(_, let user): .user(user.id)
            case .apiKey(let key, _): .apiKey(key.id)
            }
        return try await EventContext.acting(as: actor) { try await next(request, context) }
    }

    func authenticate(_ request: Request, tenant: Tenant) async throws -> Caller {
        let presented = request.bearerToken ?? request.headers[TenantResolver.apiKeyHeader]
        guard let credential = presented, !credential.isEmpty else { throw GatehouseError.unauthenticated }
        if credential.hasPrefix(APIKeyService.prefix) {
            guard let (key, user) = try await apiKeys.authenticate(credential, tenantId: tenant.id) else {
                throw GatehouseError(.unauthorized, "invalid API key")
            }
            return .apiKey(key, user)
        }
        let principal = try await auth.authenticate(tenantId: tenant.id, bearer: credential)
        guard let userId = principal.state.userId, let user = try await users.find(tenantId: tenant.id, id: userId)
        else { throw GatehouseError(.forbidden, "this token does not belong to a user") }
        return .token(principal, user)
    }
}

/// An administration route's caller: a bearer access token with a live session whose user's current roles
/// hold the route's permission (`AdminRoutePermissions`); a tenant admin's tenant-level token holds all.
/// The tenant comes from `x-project-key` when sent, else from the token itself (then verified against that
/// tenant's keys, so a forged `tid` gains nothing). A business-scoped token passes only on routes about
/// its own business. A route missing from the permission table is refused to everyone.
struct AuthorizeAdmin: RouterMiddleware {
    typealias Context = AppRequestContext
    let auth: AuthService
    let access: AccessPolicy
    let tenantKeys: TenantAPIKeyService
    let tenants: TenantResolver
    /// The route's entry in the permission table (nil: none declared, so nobody passes).
    var entry: AdminRoutePermissions.Entry? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let entry else { throw GatehouseError(.forbidden, "this route declares no permission, so it is closed") }
        var context = context
        let (tenant, principal, grant) = try await authorize(request, needs: entry.permission)
        if let businessId = grant.businessId {
            guard let parameter = entry.businessParameter, context.parameters.get(parameter) == businessId else {
                throw GatehouseError(.forbidden, "this token is scoped to one business and reaches only its resources")
            }
        }
        context.tenant = tenant
        context.admin = (principal, grant)
        return try await EventContext.acting(as: grant.actor) { try await next(request, context) }
    }

    /// The caller's tenant, token (nil for an API key) and grant, refused (403) unless the grant holds
    /// `permission`.
    func authorize(_ request: Request, needs permission: AdminPermission) async throws -> (Tenant, Principal?, AdminGrant) {
        let (tenant, principal, grant) = try await caller(request)
        guard grant.holds(permission) else {
            throw GatehouseError(
                .forbidden, "this needs the permission \(permission.rawValue)", details: ["permission": .string(permission.rawValue)])
        }
        return (tenant, principal, grant)
    }

    private func caller(_ request: Request) async throws -> (Tenant, Principal?, AdminGrant) {
        // A tenant API key in x-api-key, when no bearer token is sent (a token, when sent, is the caller).
        if request.bearerToken == nil, let presented = request.headers[TenantResolver.apiKeyHeader] {
            guard let key = try await tenantKeys.authenticate(presented), let tenant = try await tenants.tenants.find(id: key.tenantId) else {
                throw GatehouseError(.unauthorized, "invalid API key")
            }
            if request.headers[TenantResolver.projectKeyHeader] != nil {
                guard try await tenants.require(request).id == tenant.id else { throw GatehouseError(.unauthorized, "invalid API key") }
            }
            return (tenant, nil, TenantAPIKeyService.grant(key))
        }
        guard let token = request.bearerToken else { throw GatehouseError.unauthenticated }
        let tenant: Tenant
        if request.headers[TenantResolver.projectKeyHeader] != nil {
            tenant = try await tenants.require(request)
        } else {
            guard let tid = TokenService.unverifiedTenantId(token), UUID(uuidString: tid) != nil,
                let t = try await tenants.tenants.find(id: tid)
            else { throw GatehouseError.invalidToken("invalid token") }
            tenant = t
        }
        let principal = try await auth.authenticate(tenantId: tenant.id, bearer: token)
        // An OAuth client holds a user's token for what the user consented to, never for administration.
        guard principal.claims.client_id == nil else {
            throw GatehouseError(.forbidden, "an OAuth access token cannot call the administration API")
        }
        return (tenant, principal, try await access.grant(tenantId: tenant.id, principal: principal))
    }
}

/// The operator's system API key (`x-api-key`, or as a bearer token).
struct RequireSystemKey: RouterMiddleware {
    typealias Context = AppRequestContext
    let serviceKeys: ServiceKeys

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let key = request.headers[TenantResolver.apiKeyHeader] ?? request.bearerToken,
            try await serviceKeys.isSystemKey(key)
        else { throw GatehouseError(.unauthorized, "the system API key is required (x-api-key)") }
        return try await EventContext.acting(as: .system) { try await next(request, context) }
    }
}
