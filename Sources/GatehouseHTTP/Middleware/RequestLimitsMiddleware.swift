import GatehouseCore
import HTTPTypes
import Hummingbird

/// Bounds on a request's head, below the HTTP decoder's own (80 KiB for the whole head, beyond which the
/// connection is closed): more than `maxHeaderFields` fields or a header block over `maxHeaderBytes` is
/// refused with 431 (RFC 6585 §5), a request target over `maxTargetBytes` with 414 (RFC 9110 §15.5.15).
/// No route reads a header that large, and refusing early keeps such requests from reaching them. Each
/// route's group runs it after its dialect's error renderer, so the refusal is worded in that dialect.
struct RequestLimitsMiddleware<Context: RequestContext>: RouterMiddleware {
    static var maxHeaderFields: Int { 100 }
    static var maxHeaderBytes: Int { 16 * 1024 }
    static var maxTargetBytes: Int { 8 * 1024 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let problem = Self.problem(request.head) { throw problem }
        return try await next(request, context)
    }

    static func problem(_ head: HTTPRequest) -> GatehouseError? {
        if (head.path?.utf8.count ?? 0) > maxTargetBytes {
            return GatehouseError(.targetTooLong, "the request target exceeds \(maxTargetBytes) bytes")
        }
        guard head.headerFields.count <= maxHeaderFields else {
            return GatehouseError(.headersTooLarge, "more than \(maxHeaderFields) header fields")
        }
        // As sent: "name: value\r\n" for each field.
        var bytes = 0
        for field in head.headerFields { bytes += field.name.rawName.utf8.count + field.value.utf8.count + 4 }
        guard bytes <= maxHeaderBytes else {
            return GatehouseError(.headersTooLarge, "the header block exceeds \(maxHeaderBytes) bytes")
        }
        return nil
    }
}
