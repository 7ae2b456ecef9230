import GatehouseCore
import Hummingbird
import NIOCore

/// What every context of ours carries beside Hummingbird's: the socket peer, for throttling by address.
protocol GatehouseContext: RequestContext {
    var peerAddress: String? { get }
}

extension GatehouseContext {
    /// CONTRACT §3: bodies are limited to 64 KiB unless an endpoint needs more.
    var maxUploadSize: Int { HTTPLimits.maxBody }
}

/// The root context. Route-group authenticators (`Authenticators.swift`) fill `tenant` and `caller`; the
/// child contexts below are made from it and refuse to exist without what their routes need, so a
/// handler receives non-optional values and cannot forget to authenticate.
public struct AppRequestContext: GatehouseContext {
    public var coreContext: CoreRequestContextStorage
    /// The socket peer's IP address (nil when not on a socket, as under the router test framework).
    public let peerAddress: String?
    var tenant: Tenant? { didSet { tenantSeen?.tenant = tenant } }
    /// Present when the request carries `Origin`: where CORS learns the tenant resolved further in.
    var tenantSeen: TenantSeen?
    var caller: Caller?
    /// Set only by the administration authorizer, after it has checked the route's permission against the
    /// caller's current roles.
    var admin: (Principal?, AdminGrant)?

    public init(source: Source) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }
    /// Public, as `RequestContext` asks (the internal default above cannot stand in for a public type).
    public var maxUploadSize: Int { HTTPLimits.maxBody }
}

public enum HTTPLimits {
    public static let maxBody = 64 * 1024
}

/// A route whose tenant is resolved (from `x-project-key`, or the default tenant where the dialect allows).
struct TenantContext: ChildRequestContext, GatehouseContext {
    var coreContext: CoreRequestContextStorage
    let peerAddress: String?
    let tenant: Tenant

    init(context: AppRequestContext) throws {
        guard let tenant = context.tenant else { throw GatehouseError(.invalidProjectKey, "x-project-key header is required") }
        coreContext = context.coreContext
        peerAddress = context.peerAddress
        self.tenant = tenant
    }
}

/// A route any credential of the tenant may call: an access token of any level, or an API key.
struct CallerContext: ChildRequestContext, GatehouseContext {
    var coreContext: CoreRequestContextStorage
    let peerAddress: String?
    let tenant: Tenant
    let caller: Caller

    init(context: AppRequestContext) throws {
        guard let tenant = context.tenant, let caller = context.caller else { throw GatehouseError.unauthenticated }
        coreContext = context.coreContext
        peerAddress = context.peerAddress
        self.tenant = tenant
        self.caller = caller
    }
    var user: User { caller.user }
}

/// A route only a user's access token may call (not an API key): ceremonies bind their challenge to the
/// caller's session.
struct SignedInContext: ChildRequestContext, GatehouseContext {
    var coreContext: CoreRequestContextStorage
    let peerAddress: String?
    let tenant: Tenant
    let user: User
    let session: Principal

    init(context: AppRequestContext) throws {
        guard let tenant = context.tenant, case .token(let session, let user) = context.caller else {
            throw GatehouseError.unauthenticated
        }
        coreContext = context.coreContext
        peerAddress = context.peerAddress
        self.tenant = tenant
        self.user = user
        self.session = session
    }
}

/// An administration route: a user's access token whose current roles hold the route's permission (a tenant
/// admin's tenant-level token holds every one), within the token's business when it is business-scoped.
struct AdminContext: ChildRequestContext, GatehouseContext {
    var coreContext: CoreRequestContextStorage
    let peerAddress: String?
    let tenant: Tenant
    /// The caller's access token; nil for a tenant API key.
    let admin: Principal?
    /// What the caller holds, for the acts that must not grant more (`AdminGrant.requireCovers`).
    let grant: AdminGrant

    init(context: AppRequestContext) throws {
        guard let tenant = context.tenant, let (admin, grant) = context.admin else { throw GatehouseError.unauthenticated }
        coreContext = context.coreContext
        peerAddress = context.peerAddress
        self.tenant = tenant
        self.admin = admin
        self.grant = grant
    }
}
