import Foundation
import GatehouseCore
import GatehouseHTTP
import GatehouseOutbound
import GatehouseServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// A provider that publishes its keys at a JWKS URL: a real HTTP server on loopback, fetched with the
/// production fetcher (AsyncHTTPClient), counting what it serves.
@Suite struct JWKSURLTests {
    /// Loopback JWKS servers are private addresses: these tests run with GATEHOUSE_ALLOW_PRIVATE_FETCH on.
    static let lab: @Sendable (inout ServerConfiguration) -> Void = { $0.engine.outbound.allowPrivate = true }
    static func labFetcher(timeout: TimeAmount = .seconds(5)) -> HTTPJWKSFetcher {
        HTTPJWKSFetcher(timeout: timeout, policy: OutboundPolicy(allowPrivate: true))
    }

    /// Registers a provider whose keys are at `uri`.
    static func register(_ h: Harness, _ t: Harness.TenantSetup, issuer: String, uri: String) async throws -> Reply {
        try await h.post(
            "/v2/identity-providers",
            .object(["issuer": .string(issuer), "jwksUri": .string(uri), "audience": "gatehouse-tests"]), headers: t.admin)
    }

    final class KeyServer: Sendable {
        let current: Mutex<[ExternalIssuer]>
        let fetches = Mutex(0)
        let brokenFetches = Mutex(0)
        init(_ issuers: [ExternalIssuer]) { current = Mutex(issuers) }

        /// Runs the server on a free loopback port for the duration of `body`.
        func serve(_ body: @Sendable (Int) async throws -> Void) async throws {
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in try await body(try #require(client.port)) }
        }

        var router: Router<BasicRequestContext> {
            let router = Router()
            router.get("redirect") { _, _ -> Response in
                Response(status: .found, headers: [.location: "/jwks"])
            }
            router.get("broken") { _, _ -> Response in
                self.brokenFetches.withLock { $0 += 1 }
                try await Task.sleep(for: .milliseconds(50))
                return Response(status: .internalServerError)
            }
            router.get("jwks") { _, _ -> Response in
                self.fetches.withLock { $0 += 1 }
                // Slow enough that concurrent verifications overlap the fetch.
                try await Task.sleep(for: .milliseconds(50))
                let keys: [JSONValue] = self.current.withLock { $0 }.map { .object($0.jwk.mapValues { .string($0) }) }
                let body = try JSONEncoder().encode(JSONValue.object(["keys": .array(keys)]))
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
            return router
        }
    }

    @Test func keysAreFetchedCachedAndRefetchedOnUnknownKid() async throws {
        let first = ExternalIssuer.eddsa("https://remote.example.com", kid: "k1")
        let second = ExternalIssuer(issuer: first.issuer, kid: "k2", key: ExternalIssuer.eddsa().key)
        let server = KeyServer([first])
        try await server.serve { port in
            try await withHarness(fetcher: Self.labFetcher(), configure: Self.lab) { h in
                let t = try await h.createTenant()
                let created = try await Self.register(h, t, issuer: first.issuer, uri: "http://127.0.0.1:\(port)/jwks")
                #expect(created.status == 201, "\(created.text)")
                for _ in 0..<3 { #expect(try await h.exchange(t, try first.token(now: h.clock.now)).status == 200) }
                #expect(server.fetches.withLock { $0 } == 1, "the JWKS is cached")

                // The provider rotates: a token with the new kid triggers one refetch.
                server.current.withLock { $0 = [first, second] }
                h.clock.advance(by: 11)
                #expect(try await h.exchange(t, try second.token(now: h.clock.now)).status == 200)
                #expect(server.fetches.withLock { $0 } == 2)
                // An unknown kid does not hammer the provider: refetches are rate-limited.
                let stranger = try second.token(now: h.clock.now, headerKid: .some("k-unknown"))
                for _ in 0..<5 { #expect(try await h.exchange(t, stranger).status == 401) }
                #expect(server.fetches.withLock { $0 } == 2)
            }
        }
    }

    @Test func anUnreachableJWKSURLIsAnUpstreamError() async throws {
        try await withHarness(fetcher: Self.labFetcher(timeout: .seconds(2)), configure: Self.lab) { h in
            let t = try await h.createTenant()
            let idp = ExternalIssuer.eddsa("https://gone.example.com")
            let created = try await Self.register(h, t, issuer: idp.issuer, uri: "http://127.0.0.1:9/jwks")
            #expect(created.status == 201)
            let r = try await h.exchange(t, try idp.token(aud: nil, now: h.clock.now))
            #expect(r.status == 502)
            #expect(r.string("code") == "UPSTREAM_ERROR")
            let v = try await h.verify(t, try idp.token(aud: nil, now: h.clock.now))
            #expect(v.status == 200 && v["valid"] == .bool(false))
        }
    }

    /// Issue 10, item 14 (and 6's negative cache): many tokens at once cause one fetch, and a failing JWKS
    /// URL is asked again only after 30 seconds.
    @Test func fetchesAreSingleFlightAndFailuresAreCached() async throws {
        let first = ExternalIssuer.eddsa("https://remote.example.com", kid: "k1")
        let second = ExternalIssuer(issuer: first.issuer, kid: "k2", key: ExternalIssuer.eddsa().key)
        let broken = ExternalIssuer.es256("https://broken.example.com")
        let server = KeyServer([first])
        try await server.serve { port in
            try await withHarness(fetcher: Self.labFetcher(), configure: Self.lab) { h in
                let t = try await h.createTenant()
                for (issuer, path) in [(first.issuer, "jwks"), (broken.issuer, "broken")] {
                    let created = try await Self.register(h, t, issuer: issuer, uri: "http://127.0.0.1:\(port)/\(path)")
                    #expect(created.status == 201, "\(created.text)")
                }
                func burst(_ token: String, _ n: Int = 30) async throws -> [Int] {
                    try await withThrowingTaskGroup(of: Int.self) { group in
                        for _ in 0..<n { group.addTask { try await h.exchange(t, token).status } }
                        return try await group.reduce(into: [Int]()) { $0.append($1) }
                    }
                }
                #expect(try await burst(try first.token(now: h.clock.now)).allSatisfy { $0 == 200 })
                #expect(server.fetches.withLock { $0 } == 1, "one fetch for the first burst")
                server.current.withLock { $0 = [first, second] }
                h.clock.advance(by: 11)
                #expect(try await burst(try second.token(now: h.clock.now)).allSatisfy { $0 == 200 })
                #expect(server.fetches.withLock { $0 } == 2, "one refetch for a burst naming a new kid")

                let failing = try broken.token(now: h.clock.now)
                #expect(try await burst(failing).allSatisfy { $0 == 502 })
                #expect(server.brokenFetches.withLock { $0 } == 1, "one fetch for the failing burst")
                h.clock.advance(by: 20)
                let again = try await h.exchange(t, try broken.token(now: h.clock.now))
                #expect(again.status == 502)
                #expect(server.brokenFetches.withLock { $0 } == 1, "the failure is remembered for 30 s")
                h.clock.advance(by: 11)
                _ = try await h.exchange(t, try broken.token(now: h.clock.now))
                #expect(server.brokenFetches.withLock { $0 } == 2)
            }
        }
    }

    /// Issue 10, item 6, end to end against loopback only: with the default policy a JWKS URL that resolves
    /// to a private address is never connected to, http is refused when the provider is registered, and a
    /// redirect is never followed (even with private fetches allowed).
    @Test func theOutboundPolicyHoldsEndToEnd() async throws {
        let idpIssuer = ExternalIssuer.eddsa("https://local.example.com", kid: "k1")
        let server = KeyServer([idpIssuer])
        try await server.serve { port in
            // The production default: the fetcher and the engine both under the strict policy.
            try await withHarness(fetcher: HTTPJWKSFetcher(timeout: .seconds(2))) { h in
                let t = try await h.createTenant()
                func register(_ uri: String) async throws -> Reply { try await Self.register(h, t, issuer: idpIssuer.issuer, uri: uri) }
                #expect(try await register("http://127.0.0.1:\(port)/jwks").status == 400, "http is refused")
                #expect(try await register("https://169.254.169.254/keys").status == 400, "a literal private address is refused")
                // A name that resolves to loopback passes registration, and is refused at fetch time.
                #expect(try await register("https://localhost:\(port)/jwks").status == 201)
                let r = try await h.exchange(t, try idpIssuer.token(now: h.clock.now))
                #expect(r.status == 502, "\(r.text)")
                #expect(r.string("error") == "the identity provider's keys could not be fetched")
                #expect(server.fetches.withLock { $0 } == 0, "nothing was sent to the private address")
            }
            try await withHarness(fetcher: Self.labFetcher(), configure: Self.lab) { h in
                let t = try await h.createTenant()
                let created = try await Self.register(h, t, issuer: idpIssuer.issuer, uri: "http://127.0.0.1:\(port)/redirect")
                #expect(created.status == 201, "\(created.text)")
                #expect(try await h.exchange(t, try idpIssuer.token(now: h.clock.now)).status == 502)
                #expect(server.fetches.withLock { $0 } == 0, "the redirect was not followed")
            }
        }
    }
}
