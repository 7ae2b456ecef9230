import Synchronization

/// Each tenant's `RoleSet`, kept per node and keyed by the tenant's roles version. The version is read from
/// the database with every permission check (`AccessFacts`), so a role changed on any node is seen at the
/// next check everywhere — no timer, no stale window.
public final class RoleCatalog: Sendable {
    private let sets = Mutex<[String: RoleSet]>([:])
    private let capacity: Int

    public init(capacity: Int = 10_000) { self.capacity = capacity }

    /// The tenant's roles at `version`, loaded when this node holds an older (or no) set.
    func roles(tenantId: String, version: Int64, store: any RoleStore) async throws -> RoleSet {
        if let held = sets.withLock({ $0[tenantId] }), held.version >= version { return held }
        let set = RoleSet(version: version, tenantId: tenantId, custom: try await store.customRoles(tenantId: tenantId))
        remember(tenantId, set)
        return set
    }

    /// The current set, reading the version first (for acts outside a permission check).
    func current(tenantId: String, store: any RoleStore) async throws -> RoleSet {
        try await roles(tenantId: tenantId, version: try await store.rolesVersion(tenantId: tenantId), store: store)
    }

    func remember(_ tenantId: String, _ set: RoleSet) {
        sets.withLock {
            if let held = $0[tenantId], held.version > set.version { return }
            if $0.count >= capacity { $0.removeAll(keepingCapacity: true) }
            $0[tenantId] = set
        }
    }
}
