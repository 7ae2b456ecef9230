import Foundation
import GatehouseCore
@testable import GatehouseHTTP
import GatehouseServer
import HTTPTypes
import Synchronization
import Testing

/// Issue 15, item 4: webhooks from a durable outbox, delivered to real loopback receivers.
@Suite struct WebhooksTests {
    static func lab(_ c: inout ServerConfiguration) {
        c.engine.webhookAllowPrivate = true
        // Long enough for a loopback receiver on a loaded two-core CI machine (1 s was not, twice).
        c.webhookTimeout = 5
    }

    static func hook(_ h: Harness, _ t: Harness.TenantSetup, _ url: String, _ events: [String], receiver: WebhookReceiver? = nil) async throws -> String {
        let r = try await h.post("/v2/webhooks", .object(["url": .string(url), "events": .array(events.map { .string($0) })]), headers: t.admin)
        #expect(r.status == 201, "\(r.text)")
        let secret = try #require(r.string("secret"))
        #expect(secret.hasPrefix("whsec_"))
        receiver?.trust(secret)
        return try #require(r.string("id"))
    }

    static func user(_ h: Harness, _ t: Harness.TenantSetup) async throws -> String {
        let r = try await h.post("/v2/users", .object(["username": .string("u" + UUID().uuidString.prefix(8).lowercased())]), headers: t.admin)
        return try #require(r.string("id"))
    }

    static func deliveries(_ h: Harness, _ t: Harness.TenantSetup, _ id: String) async throws -> [[String: JSONValue]] {
        (try await h.call(.get, "/v2/webhooks/\(id)/deliveries?limit=200", headers: t.admin)["data"]?.arrayValue ?? []).compactMap(\.objectValue)
    }

    @Test(arguments: TestDatabase.kinds) func aMatchingEventIsDeliveredSignedOnce(kind: String) async throws {
        try await WebhookReceiver.run { receiver in
            try await withHarness(kind: kind, configure: Self.lab) { h in
                let t = try await h.createTenant()
                let id = try await Self.hook(h, t, "\(receiver.base)/ok/users", ["user.created"], receiver: receiver)
                let userId = try await Self.user(h, t)
                _ = try await h.post("/v2/businesses", .object(["name": "not subscribed"]), headers: t.admin)
                #expect(try await h.runtime.webhooks.runOnce() == 1)
                #expect(try await h.runtime.webhooks.runOnce() == 0, "delivered once, never again after a 2xx")
                let got = receiver.all
                #expect(got.count == 1)
                let first = try #require(got.first)
                #expect(first.eventType == "user.created" && first.body["subject"]?.stringValue == userId)
                #expect(first.verified == 1 && first.signatures == 1, "signed with the webhook's secret")
                #expect(first.body["tenantId"]?.stringValue == t.id)
                // The id is the audit event's: the receiver's idempotency key.
                let events = try await h.call(.get, "/v2/events?limit=200", headers: t.admin)["data"]?.arrayValue ?? []
                #expect(events.contains { $0.objectValue?["id"]?.stringValue == first.eventId && $0.objectValue?["type"] == "user.created" })
                #expect(receiver.violations.withLock { $0 }.isEmpty, "\(receiver.violations.withLock { $0 })")
                let log = try await Self.deliveries(h, t, id)
                #expect(log.count == 1 && log.first?["status"] == "succeeded" && log.first?["lastStatusCode"] == .number(200), "\(log)")
                #expect(log.first?["lastResponse"] == "thanks")
            }
        }
    }

    /// 500s are retried after growing delays (d·u, d doubling from GATEHOUSE_WEBHOOK_RETRY_BASE, u in
    /// [1, 1.25]), on the injected clock, until the next try would fall past 24 hours; five given up in a row
    /// switch the webhook off, with an event saying so.
    @Test func failuresAreRetriedWithGrowingDelaysThenGivenUpAndTheWebhookDisabled() async throws {
        try await WebhookReceiver.run { receiver in
            try await withHarness(configure: Self.lab) { h in
                let t = try await h.createTenant()
                let id = try await Self.hook(h, t, "\(receiver.base)/fail/x", ["user.created"], receiver: receiver)
                for _ in 0..<5 { _ = try await Self.user(h, t) }
                let start = h.clock.now
                #expect(try await h.runtime.webhooks.runOnce() == 5)
                // Each delivery's waits, read from the log after every attempt.
                var attemptsSeen: [String: Double] = [:]
                var waits: [String: [TimeInterval]] = [:]
                var rounds = 0
                while true {
                    let pending = try await Self.deliveries(h, t, id).filter { $0["status"] == "pending" }
                    for d in pending {
                        guard let key = d["id"]?.stringValue, let n = d["attempts"]?.numberValue,
                            let next = d["nextAttemptAt"]?.stringValue.flatMap(Date.init(rfc3339:))
                        else { continue }
                        if attemptsSeen[key] != n {
                            attemptsSeen[key] = n
                            waits[key, default: []].append(next.timeIntervalSince(h.clock.now))
                        }
                    }
                    guard let due = pending.compactMap({ $0["nextAttemptAt"]?.stringValue.flatMap(Date.init(rfc3339:)) }).min() else { break }
                    let ahead = due.timeIntervalSince(h.clock.now)
                    if ahead > 1.5 {
                        h.clock.advance(by: ahead - 1.5)
                        #expect(try await h.runtime.webhooks.runOnce() == 0, "nothing is tried early")
                    }
                    h.clock.advance(by: min(ahead, 1.5) + 0.01)
                    #expect(try await h.runtime.webhooks.runOnce() >= 1)
                    rounds += 1
                    #expect(rounds < 200)
                    if rounds >= 200 { break }
                }
                #expect(h.clock.now.timeIntervalSince(start) <= 24 * 3600 + 5)
                #expect(waits.count == 5)
                for (_, list) in waits {
                    for (k, wait) in list.enumerated() {
                        // Attempt n = k + 2 waits d·u, d = base·2^(n−2) (at most 12 h), u in [1, 1.25].
                        let d = min(12 * 3600, 10 * pow(2, Double(k)))
                        #expect(wait >= d - 0.01 && wait <= d * 1.25 + 0.01, "attempt \(k + 2) waited \(wait), d = \(d)")
                        if k > 0 { #expect(wait > list[k - 1], "waits grow") }
                    }
                }
                let attempts = Int(attemptsSeen.values.first ?? 0)
                let log = try await Self.deliveries(h, t, id)
                #expect(log.count == 5 && log.allSatisfy { $0["status"] == "failed" }, "\(log.first ?? [:])")
                #expect(attempts >= 12, "about 24 hours of doubling waits from 10 s")
                #expect(log.first?["lastStatusCode"] == .number(500) && log.first?["lastResponse"] == "upstream exploded")
                let total = try await Self.deliveries(h, t, id).reduce(0) { $0 + Int($1["attempts"]?.numberValue ?? 0) }
                #expect(receiver.at("/fail").count == total, "every attempt reached the receiver once")
                let hook = try await h.call(.get, "/v2/webhooks/\(id)", headers: t.admin)
                #expect(hook["active"] == .bool(false) && hook["consecutiveFailures"] == .number(5), "\(hook.text)")
                let events = try await h.call(.get, "/v2/events?limit=200", headers: t.admin)["data"]?.arrayValue ?? []
                #expect(events.contains { $0.objectValue?["type"] == "webhook.disabled" && $0.objectValue?["subject"]?.stringValue == id })
                // Switched off: new events queue nothing for it. Switched on again: counted from zero.
                _ = try await Self.user(h, t)
                h.clock.advance(by: 6)  // past the gauges' interval: this pass counts the outbox
                #expect(try await h.runtime.webhooks.runOnce() == 0)
                let on = try await h.call(.patch, "/v2/webhooks/\(id)", headers: t.admin, json: ["active": true])
                #expect(on["active"] == .bool(true) && on["consecutiveFailures"] == .number(0))
                let metrics = try await h.call(.get, "/metrics").text
                #expect(metrics.contains(#"gatehouse_webhook_deliveries_total{result="failed"} 5"#), "\(metrics.split(separator: "\n").filter { $0.contains("webhook") })")
                #expect(metrics.contains("gatehouse_webhook_outbox_pending 0"))
            }
        }
    }

    @Test func timeoutsRefusedConnectionsAndRedirectsAreFailedAttempts() async throws {
        try await WebhookReceiver.run { receiver in
            try await withHarness(configure: Self.lab) { h in
                let t = try await h.createTenant()
                let slow = try await Self.hook(h, t, "\(receiver.base)/slow/x", ["user.created"], receiver: receiver)
                // Port 9 on loopback: nothing listens there.
                let closed = try await Self.hook(h, t, "http://127.0.0.1:9/hook", ["user.created"])
                let redirect = try await Self.hook(h, t, "\(receiver.base)/redirect/x", ["user.created"], receiver: receiver)
                _ = try await Self.user(h, t)
                #expect(try await h.runtime.webhooks.runOnce() == 3)
                let slowLog = try #require(try await Self.deliveries(h, t, slow).first)
                #expect(slowLog["status"] == "pending" && slowLog["lastError"] == "timed out", "\(slowLog)")
                let closedLog = try #require(try await Self.deliveries(h, t, closed).first)
                #expect(closedLog["status"] == "pending" && closedLog["lastError"]?.stringValue?.contains("refused") == true, "\(closedLog)")
                let redirectLog = try #require(try await Self.deliveries(h, t, redirect).first)
                #expect(redirectLog["status"] == "pending" && redirectLog["lastStatusCode"] == .number(302), "\(redirectLog)")
                #expect(receiver.at("/ok").isEmpty, "a redirect is never followed")
            }
        }
    }

    @Test(arguments: TestDatabase.kinds) func twoNodesSendEachDeliveryOnce(kind: String) async throws {
        try await WebhookReceiver.run { receiver in
            try await withTwoNodes(kind: kind, configure: Self.lab) { a, b in
                let t = try await a.createTenant()
                _ = try await Self.hook(a, t, "\(receiver.base)/ok/both", ["user.created"], receiver: receiver)
                for i in 0..<30 { _ = try await Self.user(i % 2 == 0 ? a : b, t) }
                async let x: Void = { for _ in 0..<10 { _ = try await a.runtime.webhooks.runOnce(limit: 4) } }()
                async let y: Void = { for _ in 0..<10 { _ = try await b.runtime.webhooks.runOnce(limit: 4) } }()
                _ = try await (x, y)
                while try await a.runtime.webhooks.runOnce() > 0 {}
                let ids = receiver.all.map(\.eventId)
                #expect(ids.count == 30 && Set(ids).count == 30, "\(ids.count) sent, \(Set(ids).count) distinct")
            }
        }
    }

    /// GATEHOUSE_WEBHOOK_ALLOW_PRIVATE off (the default): https to public addresses only, judged at
    /// registration for literal addresses and again after resolution at every send. Only loopback is used.
    @Test func privateTargetsAreRefusedByDefault() async throws {
        try await WebhookReceiver.run { receiver in
            try await withHarness { h in
                let t = try await h.createTenant()
                for url in [
                    "\(receiver.base)/ok/plain-http", "https://127.0.0.1:\(receiver.port)/ok", "https://[::1]:\(receiver.port)/ok",
                    "https://127.1:\(receiver.port)/ok", "https://0x7f000001:\(receiver.port)/ok", "https://[::ffff:127.0.0.1]/ok",
                    "https://169.254.169.254/latest", "https://10.0.0.1/hook",
                ] {
                    let r = try await h.post("/v2/webhooks", .object(["url": .string(url), "events": ["*"]]), headers: t.admin)
                    #expect(r.status == 400 && r.string("code") == "INVALID_FIELD", "\(url): \(r.text)")
                }
                // A name that resolves to loopback passes registration and is refused at send time.
                let id = try await Self.hook(h, t, "https://localhost:\(receiver.port)/ok/by-name", ["user.created"])
                _ = try await Self.user(h, t)
                #expect(try await h.runtime.webhooks.runOnce() == 1)
                let log = try #require(try await Self.deliveries(h, t, id).first)
                #expect(log["lastError"]?.stringValue?.contains("outbound policy") == true, "\(log)")
                #expect(receiver.all.isEmpty)
            }
        }
    }

    @Test func aRotatedSecretSignsBesideTheNewOneForADay() async throws {
        try await WebhookReceiver.run { receiver in
            try await withHarness(configure: Self.lab) { h in
                let t = try await h.createTenant()
                let id = try await Self.hook(h, t, "\(receiver.base)/ok/rotating", ["user.created"], receiver: receiver)
                let rotated = try await h.call(.post, "/v2/webhooks/\(id)/secret", headers: t.admin)
                #expect(rotated.status == 200 && rotated["previousSecretExpiresAt"] != nil, "\(rotated.text)")
                let fresh = try #require(rotated.string("secret"))
                #expect(try await h.call(.post, "/v2/webhooks/\(id)/test", headers: t.admin).status == 202)
                #expect(try await h.runtime.webhooks.runOnce() == 1)
                #expect(receiver.all.last?.signatures == 2 && receiver.all.last?.verified == 1, "only the old secret is trusted yet")
                receiver.trust(fresh)
                h.clock.advance(by: 24 * 3600 + 1)
                #expect(try await h.call(.post, "/v2/webhooks/\(id)/test", headers: t.admin).status == 202)
                #expect(try await h.runtime.webhooks.runOnce() == 1)
                let last = try #require(receiver.all.last)
                #expect(last.eventType == "webhook.ping" && last.signatures == 1 && last.verified == 1)
                #expect(try await h.call(.get, "/v2/webhooks/\(id)", headers: t.admin)["previousSecretExpiresAt"] == nil)
            }
        }
    }

    @Test func deliveriesAreLoggedAndRedelivered() async throws {
        try await WebhookReceiver.run { receiver in
            try await withHarness(configure: Self.lab) { h in
                let t = try await h.createTenant()
                let id = try await Self.hook(h, t, "\(receiver.base)/ok/log", ["*"], receiver: receiver)
                _ = try await Self.user(h, t)
                while try await h.runtime.webhooks.runOnce() > 0 {}
                let log = try await Self.deliveries(h, t, id)
                let created = try #require(log.first { $0["eventType"] == "user.created" })
                let deliveryId = try #require(created["id"]?.stringValue)
                let again = try await h.call(.post, "/v2/webhooks/\(id)/deliveries/\(deliveryId)/redeliver", headers: t.admin)
                #expect(again.status == 202 && again.string("deliveryId") != deliveryId, "\(again.text)")
                #expect(try await h.runtime.webhooks.runOnce() == 1)
                let forEvent = receiver.all.filter { $0.eventId == created["eventId"]?.stringValue }
                #expect(forEvent.count == 2, "the same event id again: the receiver's idempotency key")
                #expect(try await h.call(.post, "/v2/webhooks/\(id)/deliveries/999999/redeliver", headers: t.admin).status == 404)
                #expect(try await h.call(.post, "/v2/webhooks/\(id)/deliveries/abc/redeliver", headers: t.admin).status == 400)
                // Deleting the webhook takes its deliveries with it.
                #expect(try await h.call(.delete, "/v2/webhooks/\(id)", headers: t.admin).status == 204)
                #expect(try await h.call(.get, "/v2/webhooks/\(id)/deliveries", headers: t.admin).status == 404)
            }
        }
    }

    @Test func registrationRefusals() async throws {
        try await withHarness(configure: Self.lab) { h in
            let t = try await h.createTenant()
            for bad: JSONValue in [
                ["url": "http://127.0.0.1:9/x", "events": []], ["url": "http://127.0.0.1:9/x", "events": ["Login"]],
                ["url": "http://127.0.0.1:9/x", "events": ["login"]], ["url": "http://127.0.0.1:9/x#frag", "events": ["*"]],
                ["url": "http://127.0.0.1:9/x", "events": ["login.succeded"]], ["url": "http://127.0.0.1:9/x", "events": ["login.\u{1}"]],
                ["url": "ftp://127.0.0.1/x", "events": ["*"]], ["url": "http://127.0.0.1:9/x"], ["events": ["*"]],
                ["url": "http://user:pw@127.0.0.1:9/x", "events": ["*"]], ["url": "http://127.0.0.1:9/x", "events": "*"],
                ["url": "http://127.0.0.1:9/x", "events": ["*"], "description": "bell\u{7}"],
                ["url": .string("http://127.0.0.1:9/" + String(repeating: "a", count: 2100)), "events": ["*"]],
            ] {
                #expect(try await h.post("/v2/webhooks", bad, headers: t.admin).status == 400, "\(bad)")
            }
            let other = try await h.createTenant("Other")
            let id = try await Self.hook(h, t, "http://127.0.0.1:9/x", ["*"])
            #expect(try await h.call(.get, "/v2/webhooks/\(id)", headers: other.admin).status == 404, "another tenant's webhook is invisible")
            #expect(try await h.call(.get, "/v2/webhooks/\(id)", headers: t.admin)["secret"] == nil, "the secret is shown once")
            // An old event name is kept as the name it became (two old names for one new name: one entry).
            let old = try await Self.hook(h, t, "http://127.0.0.1:9/x", ["auth.login_failed", "auth.otp_failed", "auth.login"])
            let events = try await h.call(.get, "/v2/webhooks/\(old)", headers: t.admin)["events"]
            #expect(events == ["login.failed", "login.succeeded"], "\(String(describing: events))")
        }
    }
}
