import Foundation
import GatehouseCore
import Hummingbird

/// The client's address for throttling: the socket peer, or — only when that peer is a trusted proxy
/// (`GATEHOUSE_TRUSTED_PROXIES`) — the right-most `X-Forwarded-For` entry that is not itself trusted.
public struct ClientAddressResolver: Sendable {
    let trustedProxies: Set<String>

    public init(trustedProxies: Set<String>) { self.trustedProxies = trustedProxies }

    func address(_ request: Request, context: some GatehouseContext) -> String? {
        resolve(peer: context.peerAddress, forwardedFor: request.headers[.init("x-forwarded-for")!])
    }

    /// The client presenting a refresh token (its address and User-Agent, and the access token it sent).
    func refreshClient(_ request: Request, context: some GatehouseContext, accessToken: String? = nil) -> RefreshClient {
        RefreshClient(
            accessToken: accessToken, address: address(request, context: context),
            userAgent: request.headers[.userAgent].map { String($0.prefix(512)) })
    }

    public func resolve(peer: String?, forwardedFor: String?) -> String? {
        guard let peer else { return nil }
        guard trustedProxies.contains(peer), let forwarded = forwardedFor else { return peer }
        let hops = forwarded.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return hops.last(where: { !trustedProxies.contains($0) }).map { String($0.prefix(64)) } ?? peer
    }
}
