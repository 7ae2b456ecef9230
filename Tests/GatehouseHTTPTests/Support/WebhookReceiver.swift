import Crypto
import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization

/// A webhook receiver on loopback that checks what it gets as a careful receiver would: the
/// `Gatehouse-Signature` (every `v1=` recomputed over "<t>.<raw body>" with the secrets it was told), the
/// event id and type headers against the body. Paths choose its answer: `/ok/…` 200, `/fail/…` 500,
/// `/slow/…` answers after 8 s (past the lab's 5-s delivery timeout), `/redirect/…` 302 to `/ok/redirected`.
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var path: String
        var eventId: String
        var eventType: String
        var body: [String: JSONValue]
        /// How many `v1=` values verify with a secret the receiver knows, of how many sent.
        var verified: Int
        var signatures: Int
    }

    let port: Int
    let received = Mutex<[Received]>([])
    let secrets = Mutex<[String]>([])
    /// What did not match the rules; a test expects this empty.
    let violations = Mutex<[String]>([])

    private init(port: Int) { self.port = port }

    var base: String { "http://127.0.0.1:\(port)" }
    func trust(_ secret: String) { secrets.withLock { $0.append(secret) } }
    var all: [Received] { received.withLock { $0 } }
    func at(_ prefix: String) -> [Received] { all.filter { $0.path.hasPrefix(prefix) } }

    static func run(_ body: @Sendable (WebhookReceiver) async throws -> Void) async throws {
        let holder = Mutex<WebhookReceiver?>(nil)
        let router = Router()
        router.post("**") { request, _ -> Response in
            guard let receiver = holder.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return try await receiver.handle(request)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let receiver = WebhookReceiver(port: client.port!)
            holder.withLock { $0 = receiver }
            try await body(receiver)
        }
    }

    func handle(_ request: Request) async throws -> Response {
        let raw = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
        let path = request.uri.path
        let header = request.headers[HTTPField.Name("Gatehouse-Signature")!] ?? ""
        var t = ""
        var macs: [String] = []
        for part in header.split(separator: ",") {
            if part.hasPrefix("t=") { t = String(part.dropFirst(2)) }
            if part.hasPrefix("v1=") { macs.append(String(part.dropFirst(3))) }
        }
        let signed = Array((t + ".").utf8) + raw
        let known = secrets.withLock { $0 }
        let verified = macs.filter { mac in
            known.contains { secret in
                HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Array(secret.utf8))).map { String(format: "%02x", $0) }.joined() == mac
            }
        }.count
        let body = (try? JSONDecoder().decode([String: JSONValue].self, from: Data(raw))) ?? [:]
        let eventId = request.headers[HTTPField.Name("Gatehouse-Event-Id")!] ?? ""
        let eventType = request.headers[HTTPField.Name("Gatehouse-Event-Type")!] ?? ""
        if t.isEmpty || macs.isEmpty { violations.withLock { $0.append("\(path): no t= or v1= in '\(header)'") } }
        if body["id"]?.stringValue != eventId || body["type"]?.stringValue != eventType {
            violations.withLock { $0.append("\(path): headers \(eventId)/\(eventType) do not match the body") }
        }
        if request.headers[.contentType] != "application/json" { violations.withLock { $0.append("\(path): content type") } }
        received.withLock {
            $0.append(Received(path: path, eventId: eventId, eventType: eventType, body: body, verified: verified, signatures: macs.count))
        }
        if path.hasPrefix("/fail") { return Response(status: .internalServerError, body: .init(byteBuffer: ByteBuffer(string: "upstream exploded"))) }
        if path.hasPrefix("/slow") {
            try await Task.sleep(for: .seconds(8))
            return Response(status: .ok)
        }
        if path.hasPrefix("/redirect") { return Response(status: .found, headers: [.location: "\(base)/ok/redirected"]) }
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "thanks")))
    }
}
