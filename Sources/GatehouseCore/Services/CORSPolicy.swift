import Foundation
import Synchronization

/// Which browser origins may call the API (Fetch standard, CORS protocol). A preflight names no tenant (it
/// carries no `x-project-key`), so it is answered for an origin that the global list or any tenant lists;
/// the answer to the request itself allows the origin only for the tenant the request resolved to.
public final class CORSPolicy: Sendable {
    public static let maxOriginsPerTenant = 20

    let global: Set<String>
    let store: any TenantStore
    let clock: any GatehouseClock
    let ttl: TimeInterval
    /// Every tenant's origins, read at most once per `ttl` (other nodes' changes are seen within it).
    private let union = Mutex<(origins: Set<String>, at: Date)?>(nil)
    private let reload = SingleFlight<Int, Set<String>>()

    public init(global: [String], store: any TenantStore, clock: any GatehouseClock, ttl: TimeInterval) {
        self.global = Set(global)
        self.store = store
        self.clock = clock
        self.ttl = ttl
    }

    public var hasGlobalOrigins: Bool { !global.isEmpty }

    /// The actual request: its origin is allowed globally or by the tenant it resolved to.
    public func allows(origin: String, tenant: Tenant?) -> Bool {
        global.contains(origin) || (tenant?.corsOrigins.contains(origin) ?? false)
    }

    /// A preflight: the origin is allowed globally or by some tenant.
    public func allowsPreflight(origin: String) async throws -> Bool {
        if global.contains(origin) { return true }
        guard origin.utf8.count <= WebOrigin.maxLength else { return false }
        return try await tenantOrigins().contains(origin)
    }

    /// This node changed a tenant's list: read the lists again at the next preflight.
    public func invalidate() { union.withLock { $0 = nil } }

    private func tenantOrigins() async throws -> Set<String> {
        let now = clock.now
        if let cached = union.withLock({ $0 }), abs(now.timeIntervalSince(cached.at)) < ttl { return cached.origins }
        let origins = try await reload.run(0) { [store] in Set(try await store.tenantCORSOrigins()) }
        union.withLock { $0 = (origins, now) }
        return origins
    }
}
