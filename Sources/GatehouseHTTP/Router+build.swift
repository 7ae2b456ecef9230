import Foundation
import GatehouseCore
import GatehouseStore
import Hummingbird
import Logging
import ServiceLifecycle

/// Builds the router for an engine: every dialect's controllers behind the shared middleware.
/// `strictTransport`: the server speaks TLS itself; HSTS is sent then, and whenever the public URL is https.
public func buildRouter(
    engine: Engine, metrics: GatehouseMetrics, trustedProxies: Set<String> = [], strictTransport: Bool = false
) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    if strictTransport || engine.config.publicURL.lowercased().hasPrefix("https://") {
        router.add(middleware: StrictTransportMiddleware())
    }
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: EventContextMiddleware(addresses: ClientAddressResolver(trustedProxies: trustedProxies)))
    RouteTable(engine: engine, metrics: metrics, trustedProxies: trustedProxies).register(on: router)
    return router
}
