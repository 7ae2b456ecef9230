import HTTPTypes
import Hummingbird
import Logging

/// One structured line per request with its request id (also sent back as `x-request-id`, so a client's
/// report can be matched to the log); never headers or bodies (they carry secrets).
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    static var requestIdHeader: HTTPField.Name { HTTPField.Name("x-request-id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[Self.requestIdHeader] = context.id
        if context.logger.logLevel <= .debug {
            let ms = (ContinuousClock.now - start).components
            context.logger.debug(
                "request",
                metadata: [
                    "method": "\(request.method.rawValue)", "route": "\(context.endpointPath ?? "unmatched")",
                    "status": "\(response.status.code)",
                    "ms": "\(Double(ms.seconds) * 1000 + Double(ms.attoseconds) / 1e15)",
                ])
        }
        return response
    }
}
