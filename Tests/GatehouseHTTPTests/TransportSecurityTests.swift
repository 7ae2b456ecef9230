import Foundation
import GatehouseCore
import GatehouseServer
import HTTPTypes
import Testing

/// Issue 16, item 4: HSTS (RFC 6797) on every answer when the public URL is https, errors included; never
/// over plain http, where browsers ignore it.
@Suite struct TransportSecurityTests {
    @Test func anHTTPSPublicURLPinsBrowsersToHTTPS() async throws {
        try await withHarness(configure: { $0.engine.publicURL = "https://gatehouse.test" }) { h in
            let t = try await h.createTenant()
            for r in [
                try await h.call(.get, "/health/live"), try await h.call(.get, "/v2/users", headers: t.admin),
                try await h.call(.get, "/v2/users"), try await h.call(.get, "/oauth2/authorize"),
            ] {
                #expect(r.headers[.strictTransportSecurity] == "max-age=31536000", "\(r.status)")
            }
        }
        try await withHarness { h in
            let plain = try await h.call(.get, "/health/live")
            #expect(plain.status == 200 && plain.headers[.strictTransportSecurity] == nil)
        }
    }
}
