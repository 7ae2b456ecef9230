import Foundation
import GatehouseCore

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fetches identity-provider JWKS documents over HTTP(S) with a timeout and a size bound.
public struct URLSessionJWKSFetcher: JWKSFetcher {
    let timeout: TimeInterval

    public init(timeout: TimeInterval = 5) { self.timeout = timeout }

    public func fetch(_ url: String) async throws -> [UInt8] {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw GatehouseError(.upstream, "JWKS URL is not http(s)")
        }
        var request = URLRequest(url: u, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            throw GatehouseError(.upstream, "JWKS endpoint did not answer 200")
        }
        guard data.count <= ExternalTokenVerifier.maxJWKSBytes else {
            throw GatehouseError(.upstream, "JWKS document is too large")
        }
        return Array(data)
    }
}
