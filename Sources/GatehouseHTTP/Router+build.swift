import Foundation
import GatehouseCore
import GatehouseStore
import Hummingbird
import Logging
import ServiceLifecycle

/// Builds the router for an engine: every dialect's controllers behind the shared middleware.
public func buildRouter(engine: Engine, metrics: GatehouseMetrics, trustedProxies: Set<String> = []) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ErrorMiddleware())
    let tenants = TenantResolver(engine: engine)
    let guards = AdminGuard(engine: engine, tenants: tenants)
    OperationsController(engine: engine, metrics: metrics).register(on: router)
    let clientAddress = ClientAddressResolver(trustedProxies: trustedProxies)
    ProjectAuthController(engine: engine, tenants: tenants, clientAddress: clientAddress).register(on: router)
    TenantController(engine: engine, tenants: tenants, guards: guards).register(on: router)
    AdminController(engine: engine, guards: guards).register(on: router)
    UsersController(engine: engine, guards: guards).register(on: router)
    let callers = CallerAuthenticator(engine: engine)
    ClassicAuthController(engine: engine, tenants: tenants, callers: callers, clientAddress: clientAddress)
        .register(on: router)
    EnterpriseAuthController(engine: engine, tenants: tenants, callers: callers, clientAddress: clientAddress)
        .register(on: router)
    BiometricController(engine: engine, tenants: tenants, callers: callers, clientAddress: clientAddress)
        .register(on: router)
    ConfirmationsController(engine: engine, tenants: tenants, callers: callers, clientAddress: clientAddress)
        .register(on: router)
    WebAuthnController(engine: engine, tenants: tenants, callers: callers, clientAddress: clientAddress)
        .register(on: router)
    return router
}
