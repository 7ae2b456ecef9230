import Foundation
import GatehouseCore
import HTTPTypes
import Hummingbird
import Testing

@Suite struct OperationsTests {
    @Test func healthAndReadiness() async throws {
        try await withHarness { h in
            #expect(try await h.call(.get, "/health/live").status == 200)
            let ready = try await h.call(.get, "/health/ready")
            #expect(ready.status == 200)
            #expect(ready.string("status") == "ready")
        }
    }

    @Test func everyRegisteredRouteIsInTheOpenAPIDocument() async throws {
        try await withHarness { h in
            let r = try await h.call(.get, "/openapi.yaml")
            #expect(r.status == 200)
            #expect(r.text.hasPrefix("openapi: 3.1"))
            // OPTIONS (CORS preflights, made from the table for every path) is protocol, not an operation.
            for route in h.routes where route.method != "OPTIONS" {
                // Router paths use ":name"; OpenAPI uses "{name}".
                let path = route.path.split(separator: "/").map { part in
                    part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
                }.joined(separator: "/")
                let openAPIPath = "/" + path
                #expect(r.text.contains("\n  \(openAPIPath):"), "\(route.method) \(openAPIPath) missing from openapi.yaml")
                let method = route.method.lowercased()
                let section = r.text.components(separatedBy: "\n  \(openAPIPath):").dropFirst().first ?? ""
                let untilNextPath = section.components(separatedBy: "\n  /").first ?? ""
                #expect(untilNextPath.contains("\n    \(method):"), "\(method) \(openAPIPath) missing from openapi.yaml")
            }
        }
    }

    /// OpenAPI links (3.1 §4.8.20): a create links to the operations on the item it made, with the item's
    /// identifier from the answer (and a parent's from the request), and every link names an operation
    /// the document has.
    @Test func createsLinkToTheirItemAndNoLinkDangles() async throws {
        try await withHarness { h in
            let text = try await h.call(.get, "/openapi.yaml").text
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            func ids(indent: Int) -> [String] {
                let prefix = String(repeating: " ", count: indent) + "operationId: "
                return lines.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
            }
            let operations = Set(ids(indent: 6))
            let targets = ids(indent: 14)
            #expect(targets.count >= 17, "links: \(targets.count)")
            #expect(Set(targets).isSubset(of: operations), "dangling: \(Set(targets).subtracting(operations))")
            let webhooks = text.components(separatedBy: "\n  /v2/webhooks:").dropFirst().first?.components(separatedBy: "\n  /").first ?? ""
            for target in ["getV2WebhooksId", "patchV2WebhooksId", "deleteV2WebhooksId"] {
                #expect(webhooks.contains("operationId: \(target)\n              parameters:\n                id: \"$response.body#/id\""), "\(target)")
            }
            let memberships = text.components(separatedBy: "\n  /v2/businesses/{id}/memberships:").dropFirst().first?
                .components(separatedBy: "\n  /").first ?? ""
            #expect(memberships.contains("userId: \"$response.body#/userId\"\n                id: $request.path.id"))
        }
    }

    @Test func metricsCountRequestsByRouteTemplate() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            _ = try await h.call(.get, "/v2/tenants/\(t.id)")
            let r = try await h.call(.get, "/metrics")
            #expect(r.status == 200)
            #expect(r.text.contains(#"http_requests_total{route="/v2/tenants/{id}",method="GET",status="200"} 1"#))
            #expect(r.text.contains("http_request_duration_seconds_bucket"))
            #expect(r.text.contains(#"gatehouse_tokens_issued_total{level="tenant"} 1"#))
            #expect(!r.text.contains(t.id), "raw ids must not become label values")
        }
    }

    @Test func jwksIsPublishedPerTenantAndForTheDefaultTenant() async throws {
        try await withHarness { h in
            let t = try await h.createTenant()
            let own = try await h.call(.get, "/t/\(t.id)/.well-known/jwks.json")
            #expect(own.status == 200)
            let keys = try #require(own["keys"]?.arrayValue)
            #expect(keys.count == 1)
            let key = try #require(keys.first?.objectValue)
            #expect(key["kty"] == .string("EC"))
            #expect(key["alg"] == .string("ES256"))
            #expect(key["d"] == nil, "private part must never be published")
            let kid = try CompactJWS(t.adminJWT).header.kid
            #expect(key["kid"]?.stringValue == kid)

            let def = try await h.call(.get, "/.well-known/jwks.json")
            #expect(def.status == 200)
            #expect(def["keys"]?.arrayValue?.first?.objectValue?["kid"] != key["kid"], "tenants never share keys")
            #expect(try await h.call(.get, "/t/\(UUID().uuidString)/.well-known/jwks.json").status == 404)
            #expect(try await h.call(.get, "/t/not-a-uuid/.well-known/jwks.json").status == 400)
        }
    }

    @Test func unknownRouteIsA404WithTheErrorShape() async throws {
        try await withHarness { h in
            let r = try await h.call(.get, "/v2/nope")
            #expect(r.status == 404)
            #expect(r.headers[HTTPField.Name("x-request-id")!]?.isEmpty == false)
            #expect(r.string("code") == "NOT_FOUND")
        }
    }
}
