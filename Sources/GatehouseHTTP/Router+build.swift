import Foundation
import GatehouseCore
import GatehouseStore
import Hummingbird
import Logging
import ServiceLifecycle

/// Builds the router for an engine: every dialect's controllers behind the shared middleware.
public func buildRouter(engine: Engine, metrics: GatehouseMetrics, trustedProxies: Set<String> = []) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    if engine.config.publicURL.lowercased().hasPrefix("https://") { router.add(middleware: StrictTransportMiddleware()) }
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: EventContextMiddleware(addresses: ClientAddressResolver(trustedProxies: trustedProxies)))
    RouteTable(engine: engine, metrics: metrics, trustedProxies: trustedProxies).register(on: router)
    return router
}
