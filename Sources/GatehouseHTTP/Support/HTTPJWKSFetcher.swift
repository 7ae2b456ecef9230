import AsyncHTTPClient
import Foundation
import GatehouseCore
import NIOCore
import NIOHTTP1

/// Fetches identity-provider JWKS documents over HTTP(S) with a timeout and a size bound.
public struct HTTPJWKSFetcher: JWKSFetcher {
    let timeout: TimeAmount

    public init(timeout: TimeAmount = .seconds(5)) { self.timeout = timeout }

    public func fetch(_ url: String) async throws -> [UInt8] {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw GatehouseError(.upstream, "JWKS URL is not http(s)")
        }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        guard response.status == .ok else { throw GatehouseError(.upstream, "JWKS endpoint did not answer 200") }
        do {
            let body = try await response.body.collect(upTo: ExternalTokenVerifier.maxJWKSBytes)
            return Array(body.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw GatehouseError(.upstream, "JWKS document is too large")
        }
    }
}
