import Hummingbird
import Logging

/// One structured line per request with its request id; never headers or bodies (they carry secrets).
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let response = try await next(request, context)
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
