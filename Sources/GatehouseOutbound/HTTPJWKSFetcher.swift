import AsyncHTTPClient
import Foundation
import GatehouseCore
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// The one outbound HTTP client (JWKS documents now, webhooks next), under `OutboundPolicy`: the URL is
/// judged, the host resolved here and every address it resolves to judged, and the connection made to a
/// vetted address only (AsyncHTTPClient's DNS override, which keeps the certificate checked against the host
/// name), so a name that resolves elsewhere at connect time gains nothing. No redirects; a timeout and a
/// size bound on every fetch. Single-flight and the negative cache are the caller's (`ExternalTokenVerifier`).
public struct HTTPJWKSFetcher: JWKSFetcher {
    let timeout: TimeAmount
    let policy: OutboundPolicy

    public init(timeout: TimeAmount = .seconds(5), policy: OutboundPolicy = OutboundPolicy()) {
        self.timeout = timeout
        self.policy = policy
    }

    static let refused = GatehouseError(.upstream, "the identity provider's keys could not be fetched")

    public func fetch(_ url: String) async throws -> [UInt8] {
        guard policy.refusal(url: url) == nil, let host = URL(string: url)?.host else { throw Self.refused }
        let address = try await vettedAddress(for: host)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: timeout, read: timeout))
        configuration.dnsOverride = [host: address]
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            let body = try await get(url, with: client)
            try await client.shutdown()
            return body
        } catch {
            try? await client.shutdown()
            throw Self.refused
        }
    }

    private func get(_ url: String, with client: HTTPClient) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await client.execute(request, timeout: timeout)
        // A redirect is not followed: it could point anywhere, the policy's checks included.
        guard response.status == .ok else { throw Self.refused }
        let body = try await response.body.collect(upTo: ExternalTokenVerifier.maxJWKSBytes)
        return Array(body.readableBytesView)
    }

    /// The address to connect to: every address `host` resolves to must pass the policy (a name that mixes
    /// public and private answers is refused whole), and the first is used.
    func vettedAddress(for host: String) async throws -> String {
        let literal = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let addresses = try await Self.resolve(literal)
        guard let first = addresses.first, addresses.allSatisfy(policy.permits(address:)) else { throw Self.refused }
        return first
    }

    /// getaddrinfo on NIO's blocking-work pool (it may wait on the network).
    static func resolve(_ host: String) async throws -> [String] {
        try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, nil, &hints, &list) == 0, let head = list else { throw Self.refused }
            defer { freeaddrinfo(head) }
            var found: [String] = []
            var node: UnsafeMutablePointer<addrinfo>? = head
            while let n = node, found.count < 16 {
                var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                if getnameinfo(n.pointee.ai_addr, n.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                    let text = String(cString: buffer)
                    if !found.contains(text) { found.append(text) }
                }
                node = n.pointee.ai_next
            }
            return found
        }
    }
}
