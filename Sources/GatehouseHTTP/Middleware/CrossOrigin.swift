import GatehouseCore
import HTTPTypes
import Hummingbird
import Synchronization

/// CORS on the answers of a route group (Fetch standard, CORS protocol). Installed on every route but the
/// HTML pages, outside the route's authenticators: a browser app must be able to read a 401 too. The
/// origin is allowed globally or by the tenant the request resolved to; the authenticators report that
/// tenant through `TenantSeen`, made only for requests that carry `Origin` (other traffic pays nothing).
/// No `Access-Control-Allow-Credentials`: the API takes bearer tokens, never cookies.
struct CrossOriginResponses: RouterMiddleware {
    typealias Context = AppRequestContext
    let policy: CORSPolicy
    /// The route's error dialect: an error thrown inside is rendered here, so it leaves with the headers.
    let dialect: ErrorDialect

    static let exposed = "retry-after, www-authenticate"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        var context = context
        let seen = TenantSeen()
        context.tenantSeen = seen
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = ErrorMiddleware<Context>.response(for: error, logger: context.logger, dialect: dialect)
        }
        response.headers.append(HTTPField(name: .vary, value: "Origin"))
        if policy.allows(origin: origin, tenant: seen.tenant) {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = Self.exposed
        }
        return response
    }
}

/// The tenant a request resolved to, told back to `CrossOriginResponses` (context changes made inside a
/// middleware do not travel back out of it).
final class TenantSeen: Sendable {
    private let value = Mutex<Tenant?>(nil)
    var tenant: Tenant? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

/// The answer to `OPTIONS` on a path of the table. A CORS preflight names no tenant (a browser sends no
/// custom header with it), so it is allowed for an origin the global list or any tenant lists; a plain
/// `OPTIONS` gets the methods in `Allow` (RFC 9110 §9.3.7).
struct Preflight: Sendable {
    let policy: CORSPolicy
    let methods: String
    let maxAge: Int

    static let requestHeaders = "authorization, content-type, x-project-key, x-api-key"

    init(policy: CORSPolicy, methods: [HTTPRequest.Method], maxAge: Int) {
        self.policy = policy
        self.methods = (methods.map(\.rawValue) + ["OPTIONS"]).joined(separator: ", ")
        self.maxAge = maxAge
    }

    @Sendable func respond(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let origin = request.headers[.origin], request.headers[.accessControlRequestMethod] != nil else {
            return Response(status: .noContent, headers: [.allow: methods])
        }
        guard try await policy.allowsPreflight(origin: origin) else {
            throw GatehouseError(
                .forbidden, "origin \(origin.prefix(200)) is not allowed: add it to a tenant's corsOrigins or to GATEHOUSE_CORS_ORIGINS")
        }
        return Response(
            status: .noContent,
            headers: [
                .accessControlAllowOrigin: origin, .accessControlAllowMethods: methods,
                .accessControlAllowHeaders: Self.requestHeaders, .accessControlMaxAge: String(maxAge), .vary: "Origin",
            ])
    }
}
