import AsyncHTTPClient
import Foundation
import GatehouseCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Webhook POSTs through the same guard as the JWKS fetches (`HTTPJWKSFetcher.vettedAddress`): the URL is
/// judged by the webhook policy (`GATEHOUSE_WEBHOOK_ALLOW_PRIVATE`), the host resolved at send time and
/// every address judged (so a name re-pointed at a private address after registration gains nothing), and
/// the connection made to the vetted address. No redirects (a 3xx is an answer, not a success), a timeout,
/// and at most 4 KiB of the answer read.
public final class HTTPWebhookTransport: WebhookTransport {
    let timeout: TimeAmount
    let policy: OutboundPolicy
    /// One client (and so one connection pool) per host and the address it was vetted at: a receiver's
    /// connections are kept between deliveries, and a host that resolves elsewhere gets a new client,
    /// pinned to its new vetted address. Bounded: when full, every client is closed and the pool starts over
    /// (a delivery in flight on one of them then fails, and is tried again later).
    private let clients = Mutex<[String: HTTPClient]>([:])
    static let maxClients = 64

    public init(timeout: TimeAmount = .seconds(10), policy: OutboundPolicy) {
        self.timeout = timeout
        self.policy = policy
    }

    public func shutdown() async {
        let all = clients.withLock { c -> [HTTPClient] in
            defer { c.removeAll() }
            return Array(c.values)
        }
        for client in all { try? await client.shutdown() }
    }

    private func client(host: String, address: String) async -> HTTPClient {
        let key = host + "\u{0}" + address
        if let held = clients.withLock({ $0[key] }) { return held }
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: timeout, read: timeout))
        configuration.dnsOverride = [host: address]
        let made = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let (kept, evicted) = clients.withLock { c -> (HTTPClient, [HTTPClient]) in
            if let raced = c[key] { return (raced, [made]) }
            var evicted: [HTTPClient] = []
            if c.count >= Self.maxClients {
                evicted = Array(c.values)
                c.removeAll()
            }
            c[key] = made
            return (made, evicted)
        }
        for old in evicted { try? await old.shutdown() }
        return kept
    }

    public func post(url: String, headers: [(String, String)], body: [UInt8]) async -> WebhookResponse {
        if let why = policy.refusal(url: url) { return .failed("refused by the outbound policy: the URL \(why)") }
        guard let parsed = URL(string: url), let host = parsed.host else { return .failed("not a URL") }
        let address: String
        do {
            address = try await HTTPJWKSFetcher(policy: policy).vettedAddress(for: host)
        } catch {
            return .failed("refused by the outbound policy: the host does not resolve to a permitted address")
        }
        // The vetted address replaces the host for the connection; TLS still checks the certificate against
        // the host name, and the Host header keeps it.
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let pinned = await client(host: host, address: address)
        let outcome: WebhookResponse
        do {
            let response = try await pinned.execute(request, timeout: timeout)
            var kept: [UInt8] = []
            for try await chunk in response.body {
                kept += chunk.readableBytesView.prefix(WebhookRules.maxResponseBytes - kept.count)
                if kept.count >= WebhookRules.maxResponseBytes { break }
            }
            outcome = .responded(status: Int(response.status.code), body: String(decoding: kept, as: UTF8.self))
        } catch {
            outcome = .failed(Self.describe(error))
        }
        return outcome
    }

    /// A short reason without addresses or ports beyond what the tenant registered.
    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timed out"
            case .remoteConnectionClosed: return "the connection was closed"
            default: break
            }
        }
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED { return "the connection was refused" }
        if let e = error as? NIOConnectionError, e.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
            return "the connection was refused"
        }
        if error is NIOConnectionError { return "the connection could not be made" }
        return "no answer (\(type(of: error)))"
    }
}
