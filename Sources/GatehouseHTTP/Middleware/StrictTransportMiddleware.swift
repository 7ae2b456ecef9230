import HTTPTypes
import Hummingbird

/// RFC 6797: when the server is reached over https (its public URL, behind a TLS-terminating proxy or a
/// load balancer), every answer tells browsers to use https only for a year. Not `includeSubDomains`: the
/// other hosts of the domain are not ours to pin. Over plain http the header would be ignored (§8.1), so it
/// is not sent.
struct StrictTransportMiddleware<Context: RequestContext>: RouterMiddleware {
    static var value: String { "max-age=31536000" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.strictTransportSecurity] = Self.value
        return response
    }
}
