import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import Synchronization

/// Finds the tenant a request is for. Tenants by project key are cached briefly (a hot path on every
/// call); a settings change is seen by this node at once and by others within `ttl`.
public final class TenantResolver: Sendable {
    let tenants: TenantService
    let clock: any GatehouseClock
    let ttl: TimeInterval = 5
    private let byKey: ExpiringCache<Tenant>
    private let defaultTenant = Mutex<(Tenant, Date)?>(nil)
    private let byId: ExpiringCache<Tenant>

    init(tenants: TenantService, clock: any GatehouseClock) {
        self.tenants = tenants
        self.clock = clock
        byKey = ExpiringCache(ttl: ttl)
        byId = ExpiringCache(ttl: ttl)
    }

    static let projectKeyHeader = HTTPField.Name("x-project-key")!
    static let apiKeyHeader = HTTPField.Name("x-api-key")!

    /// The tenant named by `x-project-key`; 401 `INVALID_PROJECT_KEY` when absent or unknown. Seed 000's
    /// prose names `X-API-Key` for the project key: without `x-project-key`, an `x-api-key` holding a
    /// project key (never an API key: those have another prefix) names the tenant.
    func require(_ request: Request) async throws -> Tenant {
        guard let key = request.headers[Self.projectKeyHeader] ?? Self.projectKeyInAPIKeyHeader(request) else {
            throw GatehouseError(.invalidProjectKey, "x-project-key header is required")
        }
        guard let tenant = try await tenant(projectKey: key) else {
            throw GatehouseError(.invalidProjectKey, "unknown project key")
        }
        return tenant
    }

    static func projectKeyInAPIKeyHeader(_ request: Request) -> String? {
        guard let value = request.headers[apiKeyHeader], Tenant.isProjectKey(value) else {
            return nil
        }
        return value
    }

    /// The tenant of `x-project-key` when given, else the default tenant (Classic and Enterprise dialects).
    func projectOrDefault(_ request: Request) async throws -> Tenant {
        if request.headers[Self.projectKeyHeader] != nil { return try await require(request) }
        return try await defaultTenant()
    }

    func tenant(projectKey key: String) async throws -> Tenant? {
        guard !key.isEmpty, key.utf8.count <= 128 else { return nil }
        return try await byKey.value(key, now: clock.now) { try await tenants.find(projectKey: key) }
    }

    /// The default tenant (cached like the others): the tenant of unprefixed OAuth paths.
    func defaultTenant() async throws -> Tenant {
        let now = clock.now
        if let (t, at) = defaultTenant.withLock({ $0 }), abs(now.timeIntervalSince(at)) < ttl { return t }
        guard let t = try await tenants.defaultTenant() else { throw GatehouseError(.unavailable, "not bootstrapped") }
        defaultTenant.withLock { $0 = (t, now) }
        return t
    }

    /// A tenant by id (cached like the others): the tenant of `/t/{tenantId}/…` paths; 404 when unknown.
    func tenant(id: String) async throws -> Tenant {
        guard let t = try await byId.value(id, now: clock.now, load: { try await tenants.require(id: id) }) else {
            throw GatehouseError.notFound("tenant")
        }
        return t
    }

    func invalidate(_ tenant: Tenant) {
        byId.invalidate(tenant.id)
        byKey.invalidate(tenant.projectApiKey)
        byKey.invalidate(tenant.testnetProjectApiKey)
        if tenant.isDefault { defaultTenant.withLock { $0 = nil } }
    }
}

extension TenantResolver {
    /// The OAuth paths' tenant: the one `/t/{tenantId}/…` names (its issuer), or the default tenant for the
    /// unprefixed paths. CORS then follows that tenant's origins (the HTML pages have no CORS to follow).
    func issuerTenant(_ context: AppRequestContext) async throws -> Tenant {
        let tenant: Tenant
        if let id = context.parameters.get("tenantId") {
            tenant = try await self.tenant(id: try Validate.uuid(id, "tenantId"))
        } else {
            tenant = try await defaultTenant()
        }
        context.tenantSeen?.tenant = tenant
        return tenant
    }
}

extension Request {
    /// The bearer token of `Authorization`, if any.
    var bearerToken: String? {
        guard let value = headers[.authorization], let token = HeaderText.credentials(value, scheme: Self.bearer) else { return nil }
        return String(token)
    }

    private static let bearer = Array("bearer".utf8)
}
