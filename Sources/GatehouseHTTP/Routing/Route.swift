import GatehouseCore
import HTTPTypes
import Hummingbird

/// Who may call a route; each level is an authenticator middleware on the route's group and a child
/// context the handler receives (`RequestContexts.swift`).
enum Access: Sendable {
    /// No tenant, no credential (health, metrics, this document, JWKS).
    case none
    /// The tenant only: logins, refreshes, verification, public ceremonies.
    case tenant(TenantSource)
    /// Any credential of the tenant: an access token of any level, or an API key.
    case caller(TenantSource)
    /// A user's access token, not an API key.
    case signedIn(TenantSource)
    /// The tenant admin's token.
    case admin
    /// The operator's system key.
    case system
    /// The handler judges the credentials itself, for a route whose answer depends on who asks (a tenant
    /// read by level, a user reading themselves, a pending MFA token, a service key); `security` says
    /// which it accepts.
    case ownCheck(security: [[String]], tenant: TenantSource?)
}

/// The permission a route will need once roles land (the roles issue turns these into permission strings).
enum Permission: String, Sendable {
    case open = "public"
    case own = "self"
    case tenantAdmin
    case system
}

/// A reply a route documents: status, the body's schema (nil for none) and what it means.
struct Reply: Sendable {
    var status: Int
    var schema: Schema?
    var description: String
    var contentType = "application/json"

    static func ok(_ schema: Schema, _ description: String = "OK") -> Reply { Reply(status: 200, schema: schema, description: description) }
    static func created(_ schema: Schema, _ description: String = "Created") -> Reply {
        Reply(status: 201, schema: schema, description: description)
    }
    static let noContent = Reply(status: 204, schema: nil, description: "Done; no body")
    /// Acts that mint lasting credentials need a recent sign-in (`StepUp`).
    static let stepUpRequired = Reply.error(
        401, "no valid token, or code STEP_UP_REQUIRED: the session signed in longer ago than GATEHOUSE_STEP_UP_MAX_AGE")
    /// An error status this route answers beyond the ones its access, body and parameters imply.
    static func error(_ status: Int, _ description: String) -> Reply { Reply(status: status, schema: nil, description: description) }
}

/// A query parameter a route reads.
struct QueryParameter: Sendable {
    var name: String
    var schema: Schema
    var description: String

    static let page = [
        QueryParameter(name: "limit", schema: .integer, description: "page size, 1 to 200 (default 50)"),
        QueryParameter(name: "cursor", schema: .text(maxLength: 256), description: "nextCursor of the previous page"),
    ]
}

/// What the OpenAPI document says about a route beside its access: one place, next to the handler.
struct RouteDoc: Sendable {
    /// The same document for a route answered from memory alone.
    func withoutStore() -> RouteDoc {
        var d = self
        d.usesStore = false
        return d
    }

    var summary: String
    var description: String?
    var body: Schema?
    var bodyRequired = true
    /// The OAuth endpoints take forms (RFC 6749 §3.2); everything else JSON.
    var bodyContentType = "application/json"
    var query: [QueryParameter] = []
    /// Path parameters that are not UUIDs (every other one is).
    var pathSchemas: [String: Schema] = [:]
    var replies: [Reply]
    /// False only for answers made from memory (liveness, metrics, this document): every other route can find
    /// the database gone, and answers 503 then.
    var usesStore = true

    init(
        _ summary: String, description: String? = nil, body: Schema? = nil, bodyRequired: Bool = true,
        bodyContentType: String = "application/json", query: [QueryParameter] = [], pathSchemas: [String: Schema] = [:],
        _ replies: Reply...
    ) {
        self.bodyContentType = bodyContentType
        self.pathSchemas = pathSchemas
        self.summary = summary
        self.description = description
        self.body = body
        self.bodyRequired = bodyRequired
        self.query = query
        self.replies = replies
    }
}

/// One route, declared once: the router, the OpenAPI document and the every-route tests are made from
/// the table of these (`RouteTable`).
struct Route: Sendable {
    let method: HTTPRequest.Method
    /// The path in OpenAPI form (`/v2/users/{id}`).
    let path: String
    let access: Access
    let permission: Permission
    var dialect: ErrorDialect = .json
    let doc: RouteDoc
    /// Adds the handler to a group that already has the route's authenticator, in the route's context.
    let mount: @Sendable (RouterGroup<AppRequestContext>) -> Void

    /// `/v2/users/{id}` → `/v2/users/:id`.
    static func routerPath(_ path: String) -> RouterPath {
        RouterPath(
            path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
                segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : segment
            }.joined(separator: "/"))
    }

    var pathParameters: [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
    }

    /// The same route answering in another error dialect.
    func inDialect(_ dialect: ErrorDialect) -> Route {
        var r = self
        r.dialect = dialect
        return r
    }

    static func open(
        _ method: HTTPRequest.Method, _ path: String, _ doc: RouteDoc,
        use handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response
    ) -> Route {
        Route(method: method, path: path, access: .none, permission: .open, doc: doc) {
            $0.on(routerPath(path), method: method, use: handler)
        }
    }

    static func ownCheck(
        _ method: HTTPRequest.Method, _ path: String, security: [[String]], permission: Permission, _ doc: RouteDoc,
        use handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response
    ) -> Route {
        Route(method: method, path: path, access: .ownCheck(security: security, tenant: nil), permission: permission, doc: doc) {
            $0.on(routerPath(path), method: method, use: handler)
        }
    }

    /// A route that judges its own credentials, within a resolved tenant.
    static func ownCheck(
        _ method: HTTPRequest.Method, _ path: String, from source: TenantSource, security: [[String]],
        permission: Permission, _ doc: RouteDoc, use handler: @escaping @Sendable (Request, TenantContext) async throws -> Response
    ) -> Route {
        Route(method: method, path: path, access: .ownCheck(security: security, tenant: source), permission: permission, doc: doc) {
            $0.group(context: TenantContext.self).on(routerPath(path), method: method, use: handler)
        }
    }

    static func system(
        _ method: HTTPRequest.Method, _ path: String, _ doc: RouteDoc,
        use handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response
    ) -> Route {
        Route(method: method, path: path, access: .system, permission: .system, doc: doc) {
            $0.on(routerPath(path), method: method, use: handler)
        }
    }

    static func tenant(
        _ method: HTTPRequest.Method, _ path: String, from source: TenantSource, _ doc: RouteDoc,
        use handler: @escaping @Sendable (Request, TenantContext) async throws -> Response
    ) -> Route {
        Route(method: method, path: path, access: .tenant(source), permission: .open, doc: doc) {
            $0.group(context: TenantContext.self).on(routerPath(path), method: method, use: handler)
        }
    }

    static func caller(
        _ method: HTTPRequest.Method, _ path: String, from source: TenantSource, _ doc: RouteDoc,
        use handler: @escaping @Sendable (Request, CallerContext) async throws -> Response
    ) -> Route {
        Route(method: method, path: path, access: .caller(source), permission: .own, doc: doc) {
            $0.group(context: CallerContext.self).on(routerPath(path), method: method, use: handler)
        }
    }

    static func signedIn(
        _ method: HTTPRequest.Method, _ path: String, from source: TenantSource, _ doc: RouteDoc,
        use handler: @escaping @Sendable (Request, SignedInContext) async throws -> Response
    ) -> Route {
        Route(method: method, path: path, access: .signedIn(source), permission: .own, doc: doc) {
            $0.group(context: SignedInContext.self).on(routerPath(path), method: method, use: handler)
        }
    }

    static func admin(
        _ method: HTTPRequest.Method, _ path: String, _ doc: RouteDoc,
        use handler: @escaping @Sendable (Request, AdminContext) async throws -> Response
    ) -> Route {
        Route(method: method, path: path, access: .admin, permission: .tenantAdmin, doc: doc) {
            $0.group(context: AdminContext.self).on(routerPath(path), method: method, use: handler)
        }
    }
}
