import GatehouseCore
import HTTPTypes
import Hummingbird
import Synchronization

/// Every route of every dialect, as data. The router is made from it (each route in a group with its
/// authenticator and its dialect's error renderer), and so is `/openapi.yaml`.
struct RouteTable: Sendable {
    let routes: [Route]
    let schemas: [(String, Schema)]
    let tenants: TenantResolver
    let callers: AuthenticateCaller
    let tokenCallers: AuthenticateCaller
    let admins: AuthorizeAdmin
    let serviceKeys: ServiceKeys
    let cors: CORSPolicy
    let corsMaxAge: Int

    init(engine: Engine, metrics: GatehouseMetrics, trustedProxies: Set<String>) {
        let tenants = TenantResolver(tenants: engine.tenants, clock: engine.clock)
        self.tenants = tenants
        let clientAddress = ClientAddressResolver(trustedProxies: trustedProxies)
        let document = ServedDocument()
        let admins = AuthorizeAdmin(auth: engine.auth, access: engine.access, tenantKeys: engine.tenantKeys, tenants: tenants)
        let callers = AuthenticateCaller(apiKeys: engine.apiKeys, auth: engine.auth, users: engine.users)
        self.callers = callers
        var tokenCallers = callers
        tokenCallers.tokenOnly = true
        self.tokenCallers = tokenCallers
        self.admins = admins
        self.serviceKeys = engine.serviceKeys
        cors = engine.cors
        corsMaxAge = engine.config.corsMaxAge
        let enterpriseTokens = EnterpriseTokens(sessions: engine.sessions, fileSignatures: engine.fileSignatures)
        let passwords = PasswordChecker(login: engine.login, clientAddress: clientAddress)
        var routes = OperationsController(
            tenants: engine.tenants, keys: engine.keys, readiness: engine.readiness, metrics: metrics, document: document
        ).routes
        routes += ProjectAuthController(auth: engine.auth, sessions: engine.sessions, clientAddress: clientAddress).routes
        routes += TenantController(tenants: engine.tenants, passkeys: engine.passkeys, resolver: tenants, admins: admins).routes
        routes += AdminController(admin: engine.admin).routes
        routes += UsersController(users: engine.users, auth: engine.auth, admins: admins, tenants: tenants).routes
        routes += ClassicAuthController(
            passwords: passwords, sessions: engine.sessions, apiKeys: engine.apiKeys, accessTokenTTL: engine.config.accessTokenTTL,
            clientAddress: clientAddress
        ).routes.map { $0.inDialect(.classic) }
        routes += EnterpriseAuthController(
            passwords: passwords, tokens: enterpriseTokens, fileSignatures: engine.fileSignatures, clientAddress: clientAddress
        ).routes
        routes += ProfileController(profiles: engine.profiles, sessions: engine.sessions).routes
        routes += OTPController(
            mfa: engine.mfa, login: engine.login, serviceKeys: engine.serviceKeys, callers: callers, tokens: enterpriseTokens,
            clientAddress: clientAddress
        ).routes
        routes += BiometricController(devices: engine.devices, tokens: enterpriseTokens, clientAddress: clientAddress).routes
        routes += ConfirmationsController(confirmations: engine.confirmations, clock: engine.clock, clientAddress: clientAddress).routes
        routes += WebAuthnController(passkeys: engine.passkeys, tokens: enterpriseTokens, clientAddress: clientAddress).routes
        routes += OAuthClientsController(clients: engine.oauthClients).routes
        routes += TenantAPIKeysController(keys: engine.tenantKeys).routes
        routes += WebhooksController(webhooks: engine.webhooks, clock: engine.clock).routes
        routes += RolesController(roles: engine.roles, rotateKey: { [engine] in try await engine.rotateSigningKey(tenantId: $0) }).routes
        routes += ConsentsController(consents: engine.consents).routes
        routes += OAuthController(
            token: engine.oauthToken, tokens: engine.oauthTokens, serverMetadata: engine.oauthMetadata, userInfo: engine.userInfo,
            tenants: tenants,
            clientAddress: clientAddress
        ).routes
        routes += HostedLoginController(
            flow: engine.authorization, logout: engine.logout, login: engine.login, passkeys: engine.passkeys,
            browserSessions: engine.browserSessions, tenants: tenants,
            clientAddress: clientAddress, random: engine.random, secure: engine.config.publicURL.hasPrefix("https://")
        ).routes
        self.routes = routes
        var schemas = SharedSchemas.all + OperationsController.schemas + ProjectAuthController.schemas
        schemas += TenantController.schemas + AdminController.schemas + UsersController.schemas
        schemas += ClassicAuthController.schemas + EnterpriseAuthController.schemas + ProfileController.schemas
        schemas += OTPController.schemas + BiometricController.schemas
        schemas += ConfirmationsController.schemas + WebAuthnController.schemas + HostedLoginController.schemas
        schemas += OAuthClientsController.schemas + OAuthController.schemas + ConsentsController.schemas
        schemas += RolesController.schemas + TenantAPIKeysController.schemas + WebhooksController.schemas
        self.schemas = schemas
        document.set(OpenAPIBuilder(routes: routes, schemas: schemas).yaml())
    }

    func register(on router: Router<AppRequestContext>) {
        let crossOrigin = { (dialect: ErrorDialect) in CrossOriginResponses(policy: cors, dialect: dialect) }
        for route in routes {
            let group = router.group()
            // HTML pages answer no CORS: only the API is for other origins' scripts.
            if route.dialect != .html { group.add(middleware: crossOrigin(route.dialect)) }
            // The router's own renderer answers in JSON; any other dialect renders inside the route's group.
            if route.dialect != .json { group.add(middleware: ErrorMiddleware<AppRequestContext>(dialect: route.dialect)) }
            group.add(middleware: RequestLimitsMiddleware())
            switch route.access {
            case .none, .ownCheck(_, tenant: nil):
                break
            case .tenant(let source), .ownCheck(_, tenant: .some(let source)):
                group.add(middleware: ResolveTenant(tenants: tenants, source: source))
            case .caller(let source):
                group.add(middleware: ResolveTenant(tenants: tenants, source: source))
                group.add(middleware: callers)
            case .signedIn(let source):
                group.add(middleware: ResolveTenant(tenants: tenants, source: source))
                group.add(middleware: tokenCallers)
            case .admin:
                var authorizer = admins
                authorizer.entry = AdminRoutePermissions.entry(route.method, route.path)
                group.add(middleware: authorizer)
            case .system:
                group.add(middleware: RequireSystemKey(serviceKeys: serviceKeys))
            }
            route.mount(group)
        }
        registerPreflights(on: router)
    }

    /// `OPTIONS` on every API path, made from the table: the methods are the path's routes'.
    private func registerPreflights(on router: Router<AppRequestContext>) {
        var paths: [String] = []
        var byPath: [String: (dialect: ErrorDialect, methods: [HTTPRequest.Method])] = [:]
        for route in routes where route.dialect != .html {
            if byPath[route.path] == nil { paths.append(route.path) }
            byPath[route.path, default: (route.dialect, [])].methods.append(route.method)
        }
        for path in paths {
            guard let (dialect, methods) = byPath[path] else { continue }
            let group = router.group()
            if dialect != .json { group.add(middleware: ErrorMiddleware<AppRequestContext>(dialect: dialect)) }
            let preflight = Preflight(policy: cors, methods: methods, maxAge: corsMaxAge)
            group.on(Route.routerPath(path), method: .options, use: preflight.respond)
        }
    }
}

/// `/openapi.yaml` as served: made once from the table the router was made from.
final class ServedDocument: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    func set(_ text: String) { bytes.withLock { $0 = Array(text.utf8) } }
    var value: [UInt8] { bytes.withLock { $0 } }
}
