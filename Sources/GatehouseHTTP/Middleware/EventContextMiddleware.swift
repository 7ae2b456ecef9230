import GatehouseCore
import HTTPTypes
import Hummingbird

/// Gives the events a request writes its client address (behind trusted proxies, `X-Forwarded-For`), its
/// User-Agent and its request id (`x-request-id`); the route's authenticator adds the actor.
struct EventContextMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let addresses: ClientAddressResolver

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let event = EventContext(
            ip: addresses.address(request, context: context), userAgent: request.headers[.userAgent], requestId: context.id)
        return try await EventContext.$current.withValue(event) { try await next(request, context) }
    }
}
